package dev.agentlimiter.servlet.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The admin endpoint ({@code docs/admin-endpoint.md}) over real HTTP, on every adapter: off by default,
 * its own authentication (401, 401, 403, 429), each resource with the admin key, a real quarantine
 * released, a real bucket reset, 404 and 405, path attacks, and no key in any answer's raw bytes. Each case
 * builds its own limiter on a frozen clock and starts its own server with {@link #start}, in front of
 * {@link Issue14HttpSuite.App}'s application ({@code GET /v1/orders}, {@code POST /tasks}, ...).
 *
 * <p>The admin exchanges of each case are written to {@code target/admin-endpoint-examples/<class>/<case>.txt}:
 * the page's examples are copied from there.
 */
public abstract class AdminHttpSuite {

  /** The admin's key, with the admin scope. */
  public static final String ADMIN_KEY = "adm_ops_4f1c8e2b9d7a3605";

  private static final String READER_KEY = "adm_reader_6b2e0c9f1a4d8e73";
  private static final String AGENT_KEY = "ak_agent_1_c0ffee5e1f2d3c4b";
  private static final String BASE = AdminEndpoint.DEFAULT_BASE_PATH;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Ten a minute, loops after two identical requests, quarantine at once on a loop. */
  private static final Policy TASKS =
      Policy.named("tasks")
          .limit(Limit.capacity(10).refill(10).per(Duration.ofMinutes(1)).named("minute"))
          .loopDetection(LoopDetection.after(2).within(Duration.ofMinutes(1)))
          .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
          .build();

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicLong nanos = new AtomicLong();
  private final AgentLimiter limiter =
      AgentLimiters.newBuilder()
          .timeSource(nanos::get)
          .identity(
              IdentityResolvers.apiKeys(
                  InMemoryApiKeyStore.create().add(AGENT_KEY, AgentIdentity.of("agent-1", IdentitySource.API_KEY))))
          .build();
  private final AdminEndpoint admin =
      AdminEndpoint.builder(limiter)
          .identity(
              IdentityResolvers.apiKeys(
                  InMemoryApiKeyStore.create()
                      .add(ADMIN_KEY, new AgentIdentity("ops", "default", Set.of("agentlimiter:admin"), IdentitySource.API_KEY))
                      .add(READER_KEY, new AgentIdentity("reader", "default", Set.of("metrics:read"), IdentitySource.API_KEY))))
          .build();
  private final Issue14HttpSuite.App app = new Issue14HttpSuite.App();
  private final StringBuilder transcript = new StringBuilder();
  private @Nullable RunningServer server;

  /**
   * Starts a server on 127.0.0.1, an ephemeral port, with the adapter in front of {@code app}'s application,
   * configured with exactly {@code routes} and, unless {@code null}, the admin endpoint {@code endpoint}.
   */
  protected abstract RunningServer start(
      AgentLimiter limiter, List<Apps.RouteSpec> routes, @Nullable AdminEndpoint endpoint, Issue14HttpSuite.App app)
      throws Exception;

  private RunningServer started(@Nullable AdminEndpoint endpoint) throws Exception {
    Route tasks = Route.of(TASKS);
    server =
        start(
            limiter,
            List.of(new Apps.RouteSpec("POST", "/tasks", tasks), new Apps.RouteSpec("GET", "/v1/orders", tasks)),
            endpoint,
            app);
    return server;
  }

  @AfterEach
  void stop(TestInfo test) throws IOException {
    RunningServer s = server;
    if (s != null) {
      s.stop();
    }
    app.close();
    if (transcript.length() > 0) {
      Path dir = Path.of("target", "admin-endpoint-examples", getClass().getSimpleName());
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve(test.getTestMethod().map(m -> m.getName()).orElse("unknown") + ".txt"), transcript,
          StandardCharsets.UTF_8);
    }
  }

  // ---------------------------------------------------------------- HTTP

  private HttpResponse<byte[]> send(String method, String pathAndQuery, @Nullable String key, @Nullable String body)
      throws IOException, InterruptedException {
    RunningServer s = java.util.Objects.requireNonNull(server, "server");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(s.baseUri() + pathAndQuery))
            .timeout(TIMEOUT)
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    HttpResponse<byte[]> response = http.send(request.build(), BodyHandlers.ofByteArray());
    assertNoSecret(response);
    if (pathAndQuery.startsWith(BASE)) {
      String who =
          key == null ? "no credential" : key.equals(ADMIN_KEY) ? "the admin key" : key.equals(READER_KEY)
              ? "a key without the scope" : "a wrong key";
      transcript
          .append(method).append(' ').append(pathAndQuery).append("   (").append(who).append(")\n")
          .append(response.statusCode());
      for (String name : new String[] {"Content-Type", "WWW-Authenticate", "Allow", "Retry-After", "Cache-Control"}) {
        response.headers().firstValue(name).ifPresent(v -> transcript.append("\n").append(name).append(": ").append(v));
      }
      transcript.append("\n").append(text(response)).append("\n\n");
    }
    return response;
  }

  private HttpResponse<byte[]> admin(String method, String pathAndQuery) throws Exception {
    HttpResponse<byte[]> response = send(method, pathAndQuery, ADMIN_KEY, null);
    assertThat(response.statusCode()).as("%s %s", method, pathAndQuery).isNotEqualTo(500);
    if (pathAndQuery.startsWith(BASE)) {
      assertThat(response.headers().firstValue("Cache-Control")).as(pathAndQuery).hasValue("no-store");
    }
    return response;
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  /** No key, in the raw bytes of the body or in any header value; no stack trace. */
  private static void assertNoSecret(HttpResponse<byte[]> response) {
    String raw = new String(response.body(), StandardCharsets.ISO_8859_1);
    for (String secret : new String[] {ADMIN_KEY, READER_KEY, AGENT_KEY}) {
      assertThat(raw).doesNotContain(secret);
      for (Map.Entry<String, List<String>> h : response.headers().map().entrySet()) {
        assertThat(String.join(",", h.getValue())).as(h.getKey()).doesNotContain(secret);
      }
    }
    assertThat(raw).doesNotContain("Exception", "\tat ", "at dev.agentlimiter");
  }

  /** One request written byte for byte on a socket (a target no URI class would build); the whole answer. */
  private String raw(String request) throws IOException {
    RunningServer s = java.util.Objects.requireNonNull(server, "server");
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), s.port()), 5_000);
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  // ---------------------------------------------------------------- cases

  @Test
  void offByDefaultTheAdminPathIsTheApplicationsOwn() throws Exception {
    started(null);
    for (String path : new String[] {BASE + "/quarantined", BASE + "/agents/api_key/agent-1"}) {
      HttpResponse<byte[]> r = send("GET", path, ADMIN_KEY, null);
      assertThat(r.statusCode()).as("the application's own 404").isEqualTo(404);
      assertThat(r.headers().firstValue("Content-Type").orElse("")).doesNotStartWith("application/json");
      assertThat(text(r)).doesNotContain("\"quarantined\"", "\"limits\"");
    }
    assertThat(send("POST", BASE + "/agents/api_key/agent-1/release?lane=default", ADMIN_KEY, null).statusCode())
        .isIn(404, 405);
  }

  @Test
  void everyResourceAuthenticatesWithItsOwnKeyAndScope() throws Exception {
    started(admin);
    for (String path : new String[] {BASE + "/agents/api_key/agent-1", BASE + "/offenders", BASE + "/quarantined"}) {
      HttpResponse<byte[]> none = send("GET", path, null, null);
      assertThat(none.statusCode()).as(path).isEqualTo(401);
      assertThat(none.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"agentlimiter-admin\"");
      assertThat(none.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(text(none)).contains("\"status\":401", "\"detail\":\"a valid credential is required\"");

      for (String wrong : new String[] {"adm_wrong_0000000000000000", AGENT_KEY}) {
        HttpResponse<byte[]> failed = send("GET", path, wrong, null);
        assertThat(failed.statusCode()).as(path).isEqualTo(401);
        assertThat(failed.headers().allValues("WWW-Authenticate"))
            .containsExactly("Bearer realm=\"agentlimiter-admin\", error=\"invalid_token\"");
      }

      HttpResponse<byte[]> reader = send("GET", path, READER_KEY, null);
      assertThat(reader.statusCode()).as(path).isEqualTo(403);
      assertThat(text(reader)).contains("\"detail\":\"missing scope 'agentlimiter:admin'\"");

      HttpResponse<byte[]> ok = admin("GET", path);
      assertThat(ok.statusCode()).as(path).isEqualTo(200);
      assertThat(ok.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(ok.headers().firstValue("Cache-Control")).hasValue("no-store");
    }
    assertThat(text(admin("GET", BASE + "/offenders?limit=5")))
        .as("TopOffenders is a placeholder until its branch lands: shape only")
        .isEqualTo("{\"offenders\":[]}");
    assertThat(app.invocations("orders") + app.invocations("tasks")).isZero();
  }

  @Test
  void guessingTheAdminKeyIsThrottledByTheCredentialGuard() throws Exception {
    started(admin);
    for (int i = 0; i < 20; i++) {
      assertThat(send("GET", BASE + "/quarantined", "adm_guess_" + (1_000_000_000_000L + i), null).statusCode())
          .isEqualTo(401);
    }
    HttpResponse<byte[]> refused = send("GET", BASE + "/quarantined", ADMIN_KEY, null);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(text(refused)).contains("\"violated-policies\":[\"invalid-credentials\"]");
  }

  @Test
  void releaseReleasesARealQuarantine() throws Exception {
    started(admin);
    String loop = "{\"task\":\"same\"}";
    assertThat(send("POST", "/tasks", AGENT_KEY, loop).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/tasks", AGENT_KEY, loop).statusCode()).isEqualTo(200);
    HttpResponse<byte[]> looped = send("POST", "/tasks", AGENT_KEY, loop);
    assertThat(looped.statusCode()).isEqualTo(429);
    assertThat(text(looped)).contains("\"reason\":\"LOOP_DETECTED\"");
    HttpResponse<byte[]> boxed = send("POST", "/tasks", AGENT_KEY, "{\"task\":\"other\"}");
    assertThat(text(boxed)).contains("\"reason\":\"QUARANTINED\"");

    assertThat(text(admin("GET", BASE + "/quarantined")))
        .isEqualTo(
            "{\"quarantined\":[{\"id\":\"agent-1\",\"source\":\"api_key\",\"lane\":\"default\",\"policy\":\"tasks\","
                + "\"remainingSeconds\":60,\"level\":1,\"cause\":\"LOOP_DETECTED\"}]}");
    assertThat(text(admin("GET", BASE + "/agents/api_key/agent-1")))
        .isEqualTo(
            "{\"id\":\"agent-1\",\"source\":\"api_key\",\"quarantined\":true,\"limits\":[{\"policy\":\"tasks\","
                + "\"limit\":\"minute\",\"capacity\":10,\"remaining\":8,\"windowSeconds\":60,\"resetSeconds\":12}],"
                + "\"inFlight\":{},\"quarantines\":[{\"lane\":\"default\",\"policy\":\"tasks\",\"remainingSeconds\":60,"
                + "\"level\":1,\"cause\":\"LOOP_DETECTED\"}],\"reputation\":{},\"budgets\":{}}");

    HttpResponse<byte[]> released = admin("POST", BASE + "/agents/api_key/agent-1/release?lane=default");
    assertThat(released.statusCode()).isEqualTo(200);
    assertThat(text(released)).isEqualTo("{\"released\":true}");
    assertThat(text(admin("GET", BASE + "/quarantined"))).isEqualTo("{\"quarantined\":[]}");
    assertThat(text(admin("POST", BASE + "/agents/api_key/agent-1/release?lane=default")))
        .isEqualTo("{\"released\":false}");

    HttpResponse<byte[]> next = send("POST", "/tasks", AGENT_KEY, "{\"task\":\"next\"}");
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(text(next)).isEqualTo(Issue14HttpSuite.echo("{\"task\":\"next\"}".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void resetPutsTheTokensBack() throws Exception {
    started(admin);
    for (int i = 0; i < 3; i++) {
      assertThat(send("GET", "/v1/orders", AGENT_KEY, null).statusCode()).isEqualTo(200);
    }
    assertThat(text(admin("GET", BASE + "/agents/api_key/agent-1"))).contains("\"remaining\":7,");

    HttpResponse<byte[]> reset = admin("POST", BASE + "/agents/api_key/agent-1/reset?policy=tasks");
    assertThat(reset.statusCode()).isEqualTo(200);
    assertThat(text(reset))
        .isEqualTo(
            "{\"reset\":true,\"policy\":\"tasks\",\"limits\":[{\"policy\":\"tasks\",\"limit\":\"minute\","
                + "\"capacity\":10,\"remaining\":10,\"windowSeconds\":60,\"resetSeconds\":0}]}");
    assertThat(text(admin("GET", BASE + "/agents/api_key/agent-1"))).contains("\"remaining\":10,");
    HttpResponse<byte[]> after = send("GET", "/v1/orders", AGENT_KEY, null);
    assertThat(after.headers().firstValue("RateLimit")).hasValue("\"minute\";r=9;t=6");

    HttpResponse<byte[]> unknown = admin("POST", BASE + "/agents/api_key/agent-1/reset?policy=nope");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
  }

  @Test
  void unknownResourcesAre404AndWrongMethods405() throws Exception {
    started(admin);
    HttpResponse<byte[]> missing = admin("GET", BASE + "/nothing");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(text(missing)).contains("\"type\":\"https://agentlimiter.dev/problems/not-found\"");

    HttpResponse<byte[]> post = admin("POST", BASE + "/quarantined");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().allValues("Allow")).containsExactly("GET");
    HttpResponse<byte[]> get = admin("GET", BASE + "/agents/api_key/agent-1/release?lane=default");
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().allValues("Allow")).containsExactly("POST");
    assertThat(admin("DELETE", BASE + "/agents/api_key/agent-1").statusCode()).isEqualTo(405);
    assertThat(admin("GET", BASE + "/offenders?limit=1001").statusCode()).isEqualTo(400);
  }

  @Test
  void pathAttacksAre400Or404AndNeverReachTheApplication() throws Exception {
    started(admin);
    String[] attacks = {
      BASE + "/agents/api_key/..",
      BASE + "/agents/api_key/%2e%2e",
      BASE + "/agents/api_key/%2E%2E/%2E%2E/quarantined",
      BASE + "/agents/api_key/a%2F..%2F..%2Frelease",
      BASE + "%2Fquarantined",
      BASE + "/agents%2Fapi_key%2Fagent-1",
      BASE + "/agents/api_key/%00",
      BASE + "/agents/api_key/a%0D%0ASet-Cookie:x=1",
      BASE + "/agents/api_key/%zz",
      BASE + "/agents/api_key/" + "a".repeat(AgentIdentity.MAX_ID_LENGTH + 1),
      BASE + "/agents/api_key/" + "%41".repeat(1000),
      BASE + "/agents/nobody/agent-1",
    };
    for (String attack : attacks) {
      String response = raw("GET " + attack + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ADMIN_KEY
          + "\r\nConnection: close\r\n\r\n");
      assertThat(response).as(attack).matches("(?s)HTTP/1\\.1 40[04] .*");
      assertThat(response).as(attack).doesNotContainIgnoringCase("\r\nSet-Cookie:");
      assertThat(response).doesNotContain(ADMIN_KEY, "Exception", "\tat ");
    }
    assertThat(app.invocations("orders") + app.invocations("tasks")).isZero();
  }
}
