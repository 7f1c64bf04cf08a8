package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Issue16PrecedenceHttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import org.junit.jupiter.api.condition.EnabledIf;

/** {@link Issue16PrecedenceHttpSuite} on the feature in Jersey 3.1 (servlet container on embedded Jetty 12). */
@EnabledIf("dev.agentlimiter.jaxrs.Implementation#jersey")
class Issue16PrecedenceJerseyHttpTest extends Issue16PrecedenceHttpSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter) throws Exception {
    return JerseyServer.start(Issue16Resources.components(limiter));
  }

  @Override
  protected String annotatedPolicy() {
    return "Endpoints.annotated";
  }
}
