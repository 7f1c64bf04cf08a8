package dev.agentlimiter.servlet;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.List;
import java.util.Map;

/** Issue 14's HTTP-level items over real HTTP: the servlet filter on embedded Tomcat 10.1. */
class Issue14TomcatHttpTest extends Issue14HttpSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, List<Apps.RouteSpec> routes, App app) throws Exception {
    AgentLimiterFilter.Builder builder = AgentLimiterFilter.builder(limiter);
    for (Apps.RouteSpec r : routes) {
      builder.route(r.method(), r.pattern(), r.route());
    }
    return EmbeddedTomcat.start(Map.of("/*", new Issue14Servlet(app)), builder.build());
  }
}
