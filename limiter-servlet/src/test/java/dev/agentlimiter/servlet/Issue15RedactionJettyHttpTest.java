package dev.agentlimiter.servlet;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import dev.agentlimiter.servlet.contract.Issue15RedactionHttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.net.URI;
import java.util.List;

/** Issue 15's "secrets never appear" over real HTTP: the servlet filter on embedded Jetty 12 (ee10). */
class Issue15RedactionJettyHttpTest extends Issue15RedactionHttpSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, List<Apps.RouteSpec> routes, Issue14HttpSuite.App app)
      throws Exception {
    AgentLimiterFilter.Builder filter = AgentLimiterFilter.builder(limiter);
    for (Apps.RouteSpec r : routes) {
      filter.route(r.method(), r.pattern(), r.route());
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

  @Override
  protected List<String> containerLoggers() {
    return List.of("org.eclipse.jetty");
  }
}
