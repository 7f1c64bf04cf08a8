package dev.agentlimiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Shadow mode per route, on real Jetty: the shadowed route never refuses, its neighbour enforces. */
class ShadowRouteTest {

  private static Route oneAMinute(String name) {
    return Route.builder()
        .policy(Policy.named(name).limit(Limit.capacity(1).refill(1).per(Duration.ofMinutes(1))).build())
        .allowAnonymous()
        .build();
  }

  @Test
  void onlyTheShadowedRouteLetsRefusalsThrough() throws Exception {
    AtomicInteger invoked = new AtomicInteger();
    AgentLimiterFilter filter =
        AgentLimiterFilter.builder(AgentLimiters.newBuilder().build())
            .shadowRoute("GET", "/trial", oneAMinute("trial"))
            .route("GET", "/enforced", oneAMinute("enforced"))
            .build();
    HttpServlet app =
        new HttpServlet() {
          private static final long serialVersionUID = 1L;

          @Override
          protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            invoked.incrementAndGet();
            response.getWriter().print("ok");
          }
        };
    try (FilteredJetty jetty = FilteredJetty.start(filter, app)) {
      HttpClient client = HttpClient.newHttpClient();
      String base = jetty.base();
      List<String> trial = new ArrayList<>();
      List<Integer> enforced = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> t =
            client.send(HttpRequest.newBuilder(URI.create(base + "/trial")).build(), HttpResponse.BodyHandlers.ofString());
        trial.add(t.statusCode() + " " + t.headers().firstValue("RateLimit").orElse("-"));
        enforced.add(
            client.send(HttpRequest.newBuilder(URI.create(base + "/enforced")).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode());
      }
      assertThat(trial).containsExactly("200 \"trial\";r=0;t=60", "200 \"trial\";r=0;t=60", "200 \"trial\";r=0;t=60");
      assertThat(enforced).containsExactly(200, 429, 429);
      assertThat(invoked.get()).isEqualTo(4);
    }
  }
}
