package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import dev.agentlimiter.servlet.contract.Issue15RedactionHttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.List;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Issue 15's "secrets never appear" over real HTTP: the feature on RESTEasy 6.2 (HttpServlet30Dispatcher on
 * embedded Jetty 12), RESTEasy's own lines included (JBoss Logging, through SLF4J now that logback is on the
 * class path). Runs in the {@code resteasy} surefire execution.
 */
@EnabledIf("dev.agentlimiter.jaxrs.Implementation#restEasy")
class Issue15RedactionRestEasyHttpTest extends Issue15RedactionHttpSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, List<Apps.RouteSpec> routes, Issue14HttpSuite.App app)
      throws Exception {
    return RestEasyServer.start(Issue14Resources.components(limiter, routes, app));
  }

  @Override
  protected List<String> containerLoggers() {
    return List.of("org.eclipse.jetty", "org.jboss.resteasy");
  }
}
