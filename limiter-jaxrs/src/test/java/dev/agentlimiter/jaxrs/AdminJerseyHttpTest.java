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
 * The admin endpoint over real HTTP: the feature's pre-matching filter on Jersey 3.1 (servlet container on
 * embedded Jetty 12), the application's base URI at the root.
 */
@EnabledIf("dev.agentlimiter.jaxrs.Implementation#jersey")
class AdminJerseyHttpTest extends AdminHttpSuite {

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
    return JerseyServer.start(List.of(new Issue14Resources.Endpoints(app), feature.build()));
  }
}
