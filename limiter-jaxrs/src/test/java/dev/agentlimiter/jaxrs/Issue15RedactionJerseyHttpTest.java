package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import dev.agentlimiter.servlet.contract.Issue15RedactionHttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.List;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Issue 15's "secrets never appear" over real HTTP: the feature on Jersey 3.1 (servlet container on embedded
 * Jetty 12), Jersey's own java.util.logging lines included.
 */
@EnabledIf("dev.agentlimiter.jaxrs.Implementation#jersey")
class Issue15RedactionJerseyHttpTest extends Issue15RedactionHttpSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, List<Apps.RouteSpec> routes, Issue14HttpSuite.App app)
      throws Exception {
    return JerseyServer.start(Issue14Resources.components(limiter, routes, app));
  }

  @Override
  protected List<String> containerLoggers() {
    return List.of("org.eclipse.jetty", "org.glassfish.jersey");
  }
}
