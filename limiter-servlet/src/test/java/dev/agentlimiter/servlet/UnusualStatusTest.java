package dev.agentlimiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A status HTTP allows on the wire but the engine's outcomes do not know (600 to 999, which Jetty passes
 * through) still ends the admission, as unknown: with one permit, every such request in turn is served.
 */
class UnusualStatusTest {

  @Test
  void aStatusAbove599EndsTheAdmissionAndReleasesItsPermit() throws Exception {
    Route oneAtATime =
        Route.builder()
            .policy(
                Policy.named("odd")
                    .limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1)))
                    .concurrency(ConcurrencyLimit.of(1))
                    .build())
            .allowAnonymous()
            .build();
    AgentLimiterFilter filter =
        AgentLimiterFilter.builder(AgentLimiters.newBuilder().build()).route("GET", "/odd", oneAtATime).build();
    HttpServlet app =
        new HttpServlet() {
          private static final long serialVersionUID = 1L;

          @Override
          protected void doGet(HttpServletRequest request, HttpServletResponse response) {
            response.setStatus(Integer.parseInt(request.getParameter("status")));
          }
        };
    try (FilteredJetty jetty = FilteredJetty.start(filter, app)) {
      HttpClient client = HttpClient.newHttpClient();
      String base = jetty.base() + "/odd?status=";
      List<Integer> statuses = new ArrayList<>();
      for (int status : new int[] {600, 799, 999, 200}) {
        statuses.add(
            client.send(HttpRequest.newBuilder(URI.create(base + status)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode());
      }
      assertThat(statuses).containsExactly(600, 799, 999, 200);
    }
  }
}
