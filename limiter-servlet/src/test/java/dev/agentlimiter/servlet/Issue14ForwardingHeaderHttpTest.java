package dev.agentlimiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.ForwardedHeader;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 4, over real HTTP on Jetty: the test client plays the agent and its proxy on 127.0.0.1 (the
 * trusted peer). The agent sends a different {@code Forwarded} (or {@code X-Forwarded-For}) on every request;
 * the proxy writes the one header it writes. All 200 requests are charged to one address key, so the route
 * refuses after its capacity of 100.
 */
class Issue14ForwardingHeaderHttpTest {

  private static final String CLIENT = "203.0.113.7";
  private static final int CAPACITY = 100;

  private static final HttpServlet APP =
      new HttpServlet() {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
          response.getWriter().print("ok");
        }
      };

  /**
   * Sends 200 requests through a limiter built from {@code trusting}; returns status code to count, and
   * records the keys charged in {@code agents}.
   */
  private static Map<Integer, Integer> send200(
      AgentLimiters.Builder trusting,
      String spoofedHeader,
      String spoofPrefix,
      String proxyHeader,
      Set<String> agents)
      throws Exception {
    Route open =
        Route.builder()
            .policy(
                Policy.named("open").limit(Limit.capacity(CAPACITY).refill(1).per(Duration.ofHours(1))).build())
            .allowAnonymous()
            .build();
    LimiterListener keys =
        new LimiterListener() {
          @Override
          public void onDecision(DecisionEvent event) {
            agents.add(event.agentId());
          }
        };
    AgentLimiterFilter filter =
        AgentLimiterFilter.builder(
                trusting
                    .timeSource(() -> 0L) // frozen: nothing refills during the run
                    .listener(keys)
                    .build())
            .route("GET", "/zones", open)
            .build();
    Map<Integer, Integer> statuses = new TreeMap<>();
    try (FilteredJetty jetty = FilteredJetty.start(filter, APP)) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (int i = 0; i < 200; i++) {
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(jetty.base() + "/zones"))
                .header(spoofedHeader, spoofPrefix + "198.51." + (i / 250) + "." + (i % 250)) // the agent's own
                .header(proxyHeader, CLIENT) // what the trusted proxy wrote
                .build();
        int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        statuses.merge(status, 1, Integer::sum);
      }
    }
    return statuses;
  }

  @Test
  void aSpoofedForwardedBehindAnXffAppendingProxyIsChargedToTheRealClient() throws Exception {
    Set<String> agents = ConcurrentHashMap.newKeySet();
    AgentLimiters.Builder trusting = AgentLimiters.newBuilder().trustedProxies("127.0.0.1"); // reads XFF
    Map<Integer, Integer> statuses = send200(trusting, "Forwarded", "for=", "X-Forwarded-For", agents);
    assertThat(statuses).containsExactly(Map.entry(200, CAPACITY), Map.entry(429, 200 - CAPACITY));
    assertThat(agents).containsExactly("ip:" + CLIENT);
  }

  @Test
  void aSpoofedXffBehindAnXRealIpSettingProxyIsChargedToTheRealClient() throws Exception {
    Set<String> agents = ConcurrentHashMap.newKeySet();
    AgentLimiters.Builder trusting =
        AgentLimiters.newBuilder().trustedProxies("127.0.0.1").forwardedHeader(ForwardedHeader.X_REAL_IP);
    Map<Integer, Integer> statuses = send200(trusting, "X-Forwarded-For", "", "X-Real-IP", agents);
    assertThat(statuses).containsExactly(Map.entry(200, CAPACITY), Map.entry(429, 200 - CAPACITY));
    assertThat(agents).containsExactly("ip:" + CLIENT);
  }
}
