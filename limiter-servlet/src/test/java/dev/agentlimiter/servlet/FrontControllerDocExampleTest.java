package dev.agentlimiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/servlet.md's example of routes in front of a front controller that routes ignoring case, run on
 * embedded Jetty over real HTTP; the page must show the tagged region verbatim.
 */
class FrontControllerDocExampleTest {

  private static final String KEY = "ak_agent7_0123456789abcdef";

  @Test
  void theCaseInsensitiveExampleWorksAndIsShownVerbatim() throws Exception {
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .identity(IdentityResolvers.apiKeys(
                InMemoryApiKeyStore.create().add(KEY, AgentIdentity.of("agent-7", IdentitySource.API_KEY))))
            .build();
    Route ordersRoute =
        Route.of(Policy.named("orders").limit(Limit.capacity(10).refill(10).per(Duration.ofMinutes(1))).build());
    // tag::case-insensitive[]
    AgentLimiterFilter filter = AgentLimiterFilter.builder(limiter)
        .route("GET", "/v1/orders", ordersRoute)    // also /v1/orders/ and /v1/orders/.
        .caseInsensitiveRoutes(true)                // the application serves /V1/Orders here too
        .build();
    // end::case-insensitive[]
    AtomicInteger served = new AtomicInteger();
    HttpServlet frontController = // on /*, routing as Spring MVC with a case-insensitive PathPatternParser
        new HttpServlet() {
          private static final long serialVersionUID = 1L;

          @Override
          protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = request.getPathInfo().toLowerCase(Locale.ROOT).replaceAll("/+$", "");
            if (!path.equals("/v1/orders")) {
              response.sendError(404);
              return;
            }
            served.incrementAndGet();
            response.getWriter().print("[]");
          }
        };
    try (FilteredJetty jetty = FilteredJetty.start(filter, frontController)) {
      HttpClient http = HttpClient.newHttpClient();
      for (String path : new String[] {"/v1/orders", "/V1/Orders", "/v1/ORDERS/", "/V1/Orders/."}) {
        HttpResponse<String> anonymous =
            http.send(HttpRequest.newBuilder(URI.create(jetty.base() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
        HttpResponse<String> agent =
            http.send(
                HttpRequest.newBuilder(URI.create(jetty.base() + path)).header("Authorization", "Bearer " + KEY).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(agent.statusCode()).as(path).isEqualTo(200);
        assertThat(agent.headers().allValues("RateLimit-Policy")).as(path).hasSize(1);
      }
      assertThat(served.get()).isEqualTo(4);
    }

    String source =
        Files.readString(Path.of("src/test/java/dev/agentlimiter/servlet/FrontControllerDocExampleTest.java"), StandardCharsets.UTF_8);
    String page = Files.readString(Path.of("../docs/servlet.md"), StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile("// tag::case-insensitive\\[]\\n(.*?)\\n\\s*// end::case-insensitive\\[]", Pattern.DOTALL)
            .matcher(source);
    assertThat(m.find()).isTrue();
    String region = m.group(1).stripIndent();
    assertThat(page.contains(region)).as("docs/servlet.md shows verbatim:%n%s", region).isTrue();
  }
}
