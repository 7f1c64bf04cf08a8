package dev.agentlimiter.servlet;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.servlet.contract.AdminHttpSuite;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.net.URI;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The admin endpoint over real HTTP: the servlet filter on {@code /*} of embedded Jetty 12 (ee10). */
class AdminJettyHttpTest extends AdminHttpSuite {

  @Override
  protected RunningServer start(
      AgentLimiter limiter, List<Apps.RouteSpec> routes, @Nullable AdminEndpoint endpoint, Issue14HttpSuite.App app)
      throws Exception {
    AgentLimiterFilter.Builder filter = AgentLimiterFilter.builder(limiter);
    for (Apps.RouteSpec r : routes) {
      filter.route(r.method(), r.pattern(), r.route());
    }
    if (endpoint != null) {
      filter.adminEndpoint(endpoint);
    }
    FilteredJetty jetty = FilteredJetty.start(filter.build(), new Issue14Servlet(app));
    return RunningServer.of(
        URI.create(jetty.base()),
        () -> {
          try {
            jetty.close();
          } catch (IllegalStateException e) {
            // best effort
          }
        });
  }
}
