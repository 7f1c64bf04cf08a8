package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.servlet.contract.AdminHttpSuite;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The admin endpoint over real HTTP: the feature's pre-matching filter on RESTEasy 6.2
 * (HttpServlet30Dispatcher on embedded Jetty 12). Runs in the {@code resteasy} surefire execution.
 */
@EnabledIf("dev.agentlimiter.jaxrs.Implementation#restEasy")
class AdminRestEasyHttpTest extends AdminHttpSuite {

  @Override
  protected RunningServer start(
      AgentLimiter limiter, List<Apps.RouteSpec> routes, @Nullable AdminEndpoint endpoint, Issue14HttpSuite.App app)
      throws Exception {
    AgentLimiterFeature.Builder feature = AgentLimiterFeature.builder(limiter);
    for (Apps.RouteSpec r : routes) {
      feature.route(r.method(), r.pattern(), r.route());
    }
    if (endpoint != null) {
      feature.adminEndpoint(endpoint);
    }
    return RestEasyServer.start(List.of(new Issue14Resources.Endpoints(app), feature.build()));
  }
}
