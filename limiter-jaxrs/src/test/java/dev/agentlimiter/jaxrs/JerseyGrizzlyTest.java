package dev.agentlimiter.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.servlet.contract.RecordingLimiter;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.jersey.grizzly2.httpserver.GrizzlyHttpServerFactory;
import org.glassfish.jersey.server.ResourceConfig;
import org.junit.jupiter.api.Test;

/**
 * Jersey outside a servlet container, on Grizzly, with the Servlet API on the class path: the
 * feature deploys and limits, but Jakarta REST gives it no peer address there, so every anonymous caller is
 * the same client, {@code ip:peer:} ({@code docs/jaxrs.md}, "The peer address").
 */
class JerseyGrizzlyTest {

  /** Anonymous callers allowed, two requests an hour. */
  @Path("/open")
  public static final class Open {
    @GET
    @AgentRateLimit(name = "anon", capacity = 2, refill = 2, period = "PT1H")
    public String get() {
      return "open";
    }
  }

  @Test
  void withoutAPeerAddressAnonymousCallersShareOneBucket() throws Exception {
    ResourceConfig config = new ResourceConfig();
    config.register(new Open());
    RecordingLimiter limiter = RecordingLimiter.of(AgentLimiters.newBuilder().build());
    config.register(AgentLimiterFeature.builder(limiter).anonymousAnnotatedRoutes(true).build());
    HttpServer server = GrizzlyHttpServerFactory.createHttpServer(URI.create("http://127.0.0.1:0/"), config);
    try {
      URI uri = URI.create("http://127.0.0.1:" + server.getListeners().iterator().next().getPort() + "/open");
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String[] forwarded = {"1.2.3.4", "5.6.7.8", "9.9.9.9"};
      int[] statuses = new int[3];
      for (int i = 0; i < 3; i++) {
        HttpRequest request =
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("X-Forwarded-For", forwarded[i]).GET().build();
        HttpResponse<String> response = http.send(request, BodyHandlers.ofString());
        statuses[i] = response.statusCode();
        if (i == 0) {
          assertThat(response.headers().allValues("RateLimit-Policy")).containsExactly("\"anon\";q=2;w=3600");
        }
      }
      assertThat(statuses).containsExactly(200, 200, 429);
      assertThat(limiter.awaitEnded("ip:peer:", 2, Duration.ofSeconds(5))).as("keyed on the unknown peer").isTrue();
    } finally {
      server.shutdownNow();
    }
  }
}
