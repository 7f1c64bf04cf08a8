package dev.agentlimiter.servlet;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.ContractSuite;
import dev.agentlimiter.servlet.contract.RunningServer;

/** The HTTP contract on embedded Tomcat 10.1. */
class TomcatContractTest extends ContractSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, Apps apps) throws Exception {
    return EmbeddedTomcat.start(ContractServlets.servlets(apps), ContractServlets.filter(limiter, apps));
  }
}
