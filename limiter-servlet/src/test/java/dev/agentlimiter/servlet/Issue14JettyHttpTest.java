package dev.agentlimiter.servlet;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.net.URI;
import java.util.List;

/** Issue 14's HTTP-level items over real HTTP: the servlet filter on embedded Jetty 12 (ee10). */
class Issue14JettyHttpTest extends Issue14HttpSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, List<Apps.RouteSpec> routes, App app) throws Exception {
    AgentLimiterFilter.Builder filter = AgentLimiterFilter.builder(limiter);
    for (Apps.RouteSpec r : routes) {
      filter.route(r.method(), r.pattern(), r.route());
    }
    FilteredJetty jetty = FilteredJetty.start(filter.build(), new Issue14Servlet(app));
    URI base = URI.create(jetty.base());
    return RunningServer.of(
        base,
        () -> {
          try {
            jetty.close();
          } catch (IllegalStateException e) {
            // best effort
          }
        });
  }
}
