package dev.agentlimiter.servlet.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@link OrdersApplication}, a real Spring Boot application on its embedded Tomcat, bound to 127.0.0.1 on a
 * random port, with {@code AgentLimiterFilter} registered through a {@code FilterRegistrationBean} on
 * {@code /api/*}; every request goes over real HTTP. The agent's bucket holds 3 requests an hour, and only
 * {@link #allowedRequestsCountDownThenTheFourthIsRefused} spends it.
 */
class SpringBootFilterRegistrationTest {

  private static final Pattern RATE_LIMIT = Pattern.compile("\"orders\";r=(\\d+);t=(\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static @Nullable ConfigurableApplicationContext app;
  private static @Nullable URI base;

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    app =
        new SpringApplicationBuilder(OrdersApplication.class)
            .bannerMode(Banner.Mode.OFF)
            .logStartupInfo(false)
            .registerShutdownHook(false)
            .properties("server.port=0", "server.address=127.0.0.1", "logging.level.root=WARN")
            .run();
    WebServer server = ((ServletWebServerApplicationContext) app).getWebServer();
    base = URI.create("http://127.0.0.1:" + server.getPort());
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void theApplicationRunsOnEmbeddedTomcat() {
    assertThat(((ServletWebServerApplicationContext) app()).getWebServer()).isInstanceOf(TomcatWebServer.class);
  }

  @Test
  void allowedRequestsCountDownThenTheFourthIsRefused() throws Exception {
    int callsBefore = controller().orderCalls();
    List<Integer> remaining = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> allowed = get("/api/orders", OrdersApplication.API_KEY);
      assertThat(allowed.statusCode()).as("request %d", i + 1).isEqualTo(200);
      assertThat(allowed.body()).isEqualTo("{\"orders\":[]}");
      assertThat(allowed.headers().allValues("RateLimit-Policy")).containsExactly("\"orders\";q=3;w=3600");
      List<String> rateLimit = allowed.headers().allValues("RateLimit");
      assertThat(rateLimit).hasSize(1);
      Matcher m = RATE_LIMIT.matcher(rateLimit.get(0));
      assertThat(m.matches()).as("RateLimit: %s", rateLimit).isTrue();
      remaining.add(Integer.parseInt(m.group(1)));
      assertThat(Integer.parseInt(m.group(2))).isBetween(1, 3600);
    }
    assertThat(remaining).containsExactly(2, 1, 0);
    assertThat(controller().orderCalls() - callsBefore).isEqualTo(3);

    HttpResponse<String> refused = get("/api/orders", OrdersApplication.API_KEY);
    assertThat(refused.statusCode()).isEqualTo(429);
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isGreaterThanOrEqualTo(1);
    assertThat(refused.headers().allValues("RateLimit-Policy")).containsExactly("\"orders\";q=3;w=3600");
    assertThat(refused.headers().allValues("RateLimit")).singleElement(InstanceOfAssertFactories.STRING).startsWith("\"orders\";r=0;");
    assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = JSON.readTree(refused.body());
    assertThat(problem.path("status").asInt()).isEqualTo(429);
    assertThat(problem.path("reason").asText()).isEqualTo("RATE_LIMITED");
    assertThat(problem.path("violated-policies").toString()).isEqualTo("[\"orders\"]");
    assertThat(problem.path("retryAfter").asLong()).isEqualTo(retryAfter);
    assertThat(controller().orderCalls() - callsBefore).as("the refused request never reached the controller").isEqualTo(3);
  }

  @Test
  void aRequestWithoutAKeyIsRefusedBeforeTheController() throws Exception {
    int callsBefore = controller().orderCalls();
    HttpResponse<String> refused = get("/api/orders", null);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"api\"");
    assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(JSON.readTree(refused.body()).path("reason").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(controller().orderCalls()).as("controller calls").isEqualTo(callsBefore);
  }

  @Test
  void pathsOutsideTheRegistrationPassUntouched() throws Exception {
    HttpResponse<String> health = get("/health", OrdersApplication.API_KEY);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok");
    assertThat(health.headers().firstValue("RateLimit")).isEmpty();
    assertThat(health.headers().firstValue("RateLimit-Policy")).isEmpty();
  }

  @Test
  void theDocShowsTheCompiledRegistration() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/dev/agentlimiter/servlet/spring/OrdersApplication.java"), StandardCharsets.UTF_8);
    String doc = Files.readString(Path.of("../docs/servlet.md"), StandardCharsets.UTF_8);
    int section = doc.indexOf("\n## Spring Boot\n");
    assertThat(section).as("docs/servlet.md has a '## Spring Boot' section").isNotNegative();
    String springBoot = doc.substring(Math.max(0, section));
    for (String tag : new String[] {"limiter", "registration"}) {
      Matcher m =
          Pattern.compile("// tag::" + tag + "\\[]\\n(.*?)\\n\\s*// end::" + tag + "\\[]", Pattern.DOTALL)
              .matcher(source);
      assertThat(m.find()).as("region %s", tag).isTrue();
      String region = m.group(1).stripIndent();
      assertThat(springBoot.contains(region)).as("'## Spring Boot' of docs/servlet.md shows verbatim:%n%s", region).isTrue();
    }
  }

  private HttpResponse<String> get(String path, @Nullable String apiKey) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(base().resolve(path)).timeout(Duration.ofSeconds(10)).GET();
    if (apiKey != null) {
      request.header("Authorization", "Bearer " + apiKey);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static OrdersController controller() {
    return app().getBean(OrdersController.class);
  }

  private static ConfigurableApplicationContext app() {
    return Objects.requireNonNull(app, "not started");
  }

  private static URI base() {
    return Objects.requireNonNull(base, "not started");
  }
}
