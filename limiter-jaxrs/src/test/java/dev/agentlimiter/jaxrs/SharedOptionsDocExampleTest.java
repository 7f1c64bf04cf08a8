package dev.agentlimiter.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.http.AdapterOptions;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.servlet.AgentLimiterFilter;
import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 15: one {@link AdapterOptions} value, built once, configures a servlet filter (in front of a servlet
 * on embedded Jetty 12) and a JAX-RS feature (in front of a resource on Jersey, on Jetty too), both spoken
 * to over real HTTP. The same route limit gives the same answers, 429 with its {@code Retry-After}, {@code
 * RateLimit} fields and body included; the two adapters share the limiter, so an agent's budget is one
 * whichever adapter it calls. The setup is the example docs/jaxrs.md shows, checked verbatim. The clock is
 * frozen, so that both adapters' fields can be compared exactly. The servers start once: each test has
 * agents of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedOptionsDocExampleTest {

  private static final String[] KEYS = {
    "ak_shared_a_0123456789abcdef", "ak_shared_b_0123456789abcdef", "ak_shared_c_0123456789abcdef"
  };
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private RunningServer servlet = RunningServer.of(URI.create("http://127.0.0.1:1"), () -> {});
  private RunningServer resources = RunningServer.of(URI.create("http://127.0.0.1:1"), () -> {});

  /** The resource behind the feature: no annotation, so the route by path limits it. */
  @Path("/v1/orders")
  public static final class Orders {
    @GET
    public String list() {
      return "[]";
    }
  }

  @BeforeAll
  void start() throws Exception {
    InMemoryApiKeyStore keys = InMemoryApiKeyStore.create();
    for (int i = 0; i < KEYS.length; i++) {
      keys.add(KEYS[i], AgentIdentity.of("agent-" + i, IdentitySource.API_KEY));
    }
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(() -> 1_000_000_000L) // frozen: both adapters' fields are compared exactly
            .identity(IdentityResolvers.apiKeys(keys))
            .build();
    Route ordersRoute =
        Route.of(Policy.named("orders").limit(Limit.capacity(2).refill(2).per(Duration.ofMinutes(1))).build());
    // tag::shared-options[]
    AdapterOptions options = AdapterOptions.builder(limiter)    // checked once; immutable, thread-safe
        .route("GET", "/v1/orders", ordersRoute)
        .realm("orders")
        .build();

    AgentLimiterFilter filter = AgentLimiterFilter.builder(options).build();        // in front of servlets
    AgentLimiterFeature feature = AgentLimiterFeature.builder(options).build();     // in front of resources
    // end::shared-options[]
    HttpServlet app =
        new HttpServlet() {
          private static final long serialVersionUID = 1L;

          @Override
          protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            response.getOutputStream().write("[]".getBytes(StandardCharsets.US_ASCII));
          }
        };
    servlet =
        Jetty.start(
            app,
            context -> context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST)),
            () -> {});
    resources = JerseyServer.start(List.of(feature, new Orders()));
  }

  @AfterAll
  void stop() {
    servlet.stop();
    resources.stop();
  }

  private HttpResponse<String> get(RunningServer server, int agent) throws IOException, InterruptedException {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.baseUri() + "/v1/orders")).timeout(TIMEOUT);
    if (agent >= 0) {
      r.header("Authorization", "Bearer " + KEYS[agent]);
    }
    return http.send(r.GET().build(), BodyHandlers.ofString());
  }

  /** What the two adapters must answer alike: the status, the contract's fields and, for a refusal, the body. */
  private static Map<String, Object> answer(HttpResponse<String> r) {
    Map<String, Object> a = new TreeMap<>();
    a.put("status", r.statusCode());
    for (String h : List.of("Retry-After", "RateLimit-Policy", "RateLimit", "WWW-Authenticate")) {
      a.put(h, r.headers().allValues(h));
    }
    if (r.statusCode() != 200) {
      a.put("Content-Type", r.headers().allValues("Content-Type"));
      a.put("body", r.body());
    }
    return a;
  }

  @Test
  void theExampleGivesBothAdaptersTheSameLimitAndIsShownVerbatim() throws Exception {
    // agent 0 on the servlet filter, agent 1 on the feature: the same requests, the same answers
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> onServlet = get(servlet, 0);
      HttpResponse<String> onResources = get(resources, 1);
      assertThat(answer(onResources)).as("request %s", i + 1).isEqualTo(answer(onServlet));
      assertThat(onServlet.statusCode()).isEqualTo(i < 2 ? 200 : 429);
      if (i < 2) {
        assertThat(onServlet.body()).isEqualTo("[]");
        assertThat(onResources.body()).isEqualTo("[]");
      }
    }
    HttpResponse<String> refused = get(resources, 1);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().allValues("Retry-After")).containsExactly("30");
    assertThat(refused.headers().allValues("RateLimit-Policy")).containsExactly("\"orders\";q=2;w=60");
    assertThat(refused.headers().allValues("RateLimit")).containsExactly("\"orders\";r=0;t=60"); // t: both tokens back
    assertThat(refused.body()).contains("\"status\":429", "\"violated-policies\":[\"orders\"]");

    // the shared realm reaches both challenges
    HttpResponse<String> anonymous = get(servlet, -1);
    assertThat(answer(get(resources, -1))).isEqualTo(answer(anonymous));
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"orders\"");

    DocExample.assertShownVerbatim("SharedOptionsDocExampleTest.java", "shared-options");
  }

  @Test
  void oneLimiterBehindBothAdaptersIsOneBudgetPerAgent() throws Exception {
    assertThat(get(servlet, 2).statusCode()).isEqualTo(200);
    assertThat(get(resources, 2).statusCode()).isEqualTo(200);
    HttpResponse<String> third = get(servlet, 2);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(answer(get(resources, 2))).isEqualTo(answer(third));
  }
}
