package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.List;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Issue 14's HTTP-level items over real HTTP: the feature on RESTEasy 6.2 (HttpServlet30Dispatcher on
 * embedded Jetty 12). Runs in the {@code resteasy} surefire execution.
 */
@EnabledIf("dev.agentlimiter.jaxrs.Implementation#restEasy")
class Issue14RestEasyHttpTest extends Issue14HttpSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, List<Apps.RouteSpec> routes, App app) throws Exception {
    return RestEasyServer.start(Issue14Resources.components(limiter, routes, app));
  }
}
