package dev.agentlimiter.servlet.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.ApiKeyEntry;
import dev.agentlimiter.api.ApiKeyStore;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP contract ({@code docs/http-contract.md}) over real HTTP against a real server. An adapter's
 * test extends this and starts its server in {@link #start}, with the application {@link Apps} describes:
 *
 * <ul>
 *   <li>{@code GET /hello}, {@code /plain}, {@code /open}, {@code /scoped}, {@code /rules}: answer their name
 *       as {@code text/plain}, counted under it and under {@code name + ":" + Authorization} ({@code /plain}
 *       has no route);
 *   <li>{@code POST /json}, {@code /tasks}: read the body as bytes and answer {@link #echo}; counted under
 *       the name and under {@code name + ":" + Authorization};
 *   <li>{@code GET /boom}: throws; {@code GET /async}: completes on another thread when {@link
 *       Apps#asyncRelease} opens, after counting down {@link Apps#asyncStarted}; {@code GET /async-timeout}:
 *       starts async processing with a 200 ms timeout and never completes; {@code GET /slow}: counts down
 *       {@link Apps#slowEntered}, waits for {@link Apps#slowRelease}, then writes 4 MiB;
 *   <li>{@code /annotated}: limits from annotations, capacity 2 per hour named {@code cls} on the type
 *       (GET, PUT), capacity 5 named {@code post} on POST, scope {@code dns:write} on PUT; counted under
 *       {@code annotated};
 *   <li>{@code GET /v1/orders} and {@code GET /v1/items/{id}}: served by the application on {@code /*} as a
 *       front controller routes (the servlet adapters' {@code FrontController}, Jakarta REST's own
 *       matching), answering and counted as {@code orders} and {@code items}.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ContractSuite {

  /** The largest JSON body {@code POST /json} accepts. */
  public static final int MAX_BODY = 65_536;

  public static final String PROBLEM_JSON = "application/problem+json";
  public static final String QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";
  public static final String ABNORMAL_USAGE = "https://iana.org/assignments/http-problem-types#abnormal-usage-detected";
  public static final String REDUCED_CAPACITY =
      "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity";
  public static final String INVALID_REQUEST = "https://agentlimiter.dev/problems/invalid-request";

  static final Policy HELLO = policy("hello", 3, Duration.ofHours(1), "burst").build();
  static final Policy OPEN = policy("open", 2, Duration.ofHours(1), "anon").build();
  static final Policy API = policy("api", 100, Duration.ofMinutes(1), "minute").build();
  static final Policy TASKS =
      policy("tasks", 1000, Duration.ofMinutes(1), "minute")
          .loopDetection(LoopDetection.after(3).within(Duration.ofMinutes(1)))
          .quarantine(Quarantine.after(3).within(Duration.ofMinutes(1)))
          .build();
  static final Policy CONC =
      policy("conc", 1000, Duration.ofMinutes(1), "minute").concurrency(ConcurrencyLimit.of(10)).build();
  static final Policy ORDERS = policy("orders", 1000, Duration.ofHours(1), "orders").build();
  static final Policy ITEMS = policy("items", 1000, Duration.ofHours(1), "items").build();

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String UNAUTHENTICATED_BODY =
      "{\"type\":\"https://agentlimiter.dev/problems/unauthenticated\",\"title\":\"Unauthorized\",\"status\":401,"
          + "\"detail\":\"a valid credential is required\",\"reason\":\"UNAUTHENTICATED\",\"violated-policies\":[]}";

  private final InMemoryApiKeyStore keys = InMemoryApiKeyStore.create();
  /** Agent id → counted down when the engine looks the agent's key up: the adapter is inside the engine. */
  private final Map<String, CountDownLatch> keyLookups = new ConcurrentHashMap<>();
  private final ApiKeyStore observedKeys =
      hash -> {
        ApiKeyEntry entry = keys.find(hash);
        if (entry != null) {
          keyLookups.computeIfAbsent(entry.identity().id(), k -> new CountDownLatch(1)).countDown();
        }
        return entry;
      };
  private final Map<String, AgentIdentity> agents = new ConcurrentHashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private @Nullable RecordingLimiter limiter;
  private @Nullable Apps apps;
  private @Nullable RunningServer server;

  /**
   * Starts a server on 127.0.0.1, an ephemeral port, with the adapter in front of the application {@code
   * apps} describes, configured with its routes and mode and with annotation discovery on.
   */
  protected abstract RunningServer start(AgentLimiter limiter, Apps apps) throws Exception;

  /**
   * Whether the server maps a percent-encoded spelling of a path ({@code /hell%6F}) to the endpoint of the
   * decoded one, as servlet containers do; then that spelling must be refused with 401 like {@code /hello}.
   * Jersey and RESTEasy match resources on the encoded path and answer 404 instead.
   */
  protected boolean percentEncodingReachesTheEndpoint() {
    return true;
  }

  /**
   * Whether the application can route ignoring case ({@link Apps#caseInsensitive()}), as the servlet
   * front controller does; Jakarta REST matches {@code @Path} case-sensitively, so there {@code /V1/Orders}
   * is no resource (404).
   */
  protected boolean theApplicationCanRouteIgnoringCase() {
    return true;
  }

  /** The policy name the adapter derives from the annotations on the annotated endpoint's type. */
  protected String classPolicyName() {
    return "AnnotatedServlet";
  }

  /** The policy name the adapter derives from the annotations on the annotated endpoint's POST method. */
  protected String postPolicyName() {
    return "AnnotatedServlet.post";
  }

  /** The routes every server of the contract is configured with. */
  public static List<Apps.RouteSpec> routes() {
    Route conc = Route.of(CONC);
    return List.of(
        new Apps.RouteSpec(null, "/hello", Route.of(HELLO)),
        new Apps.RouteSpec(null, "/open", Route.builder().policy(OPEN).allowAnonymous().build()),
        new Apps.RouteSpec(null, "/scoped", Route.builder().policy(API).requireScope("dns:write").build()),
        new Apps.RouteSpec(
            null, "/rules", Route.builder().policy(API).rules(RequestRules.builder().requireHeader("X-Task-Id").build()).build()),
        new Apps.RouteSpec(
            "POST",
            "/json",
            Route.builder()
                .policy(API)
                .rules(RequestRules.builder().allowContentType("application/json").maxBodyBytes(MAX_BODY).json().build())
                .build()),
        new Apps.RouteSpec("POST", "/tasks", Route.of(TASKS)),
        new Apps.RouteSpec(null, "/boom", conc),
        new Apps.RouteSpec(null, "/async", conc),
        new Apps.RouteSpec(null, "/async-timeout", conc),
        new Apps.RouteSpec(null, "/slow", conc),
        new Apps.RouteSpec("GET", "/v1/orders", Route.of(ORDERS)),
        new Apps.RouteSpec("GET", "/v1/items/*", Route.of(ITEMS)));
  }

  /** What the echo endpoints answer for {@code body}. */
  public static String echo(byte[] body) {
    try {
      String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
      return "{\"bytes\":" + body.length + ",\"sha256\":\"" + hash + "\"}";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Policy.Builder policy(String name, long capacity, Duration period, String limit) {
    return Policy.named(name).limit(Limit.capacity(capacity).refill(capacity).per(period).named(limit));
  }

  // ---------------------------------------------------------------- lifecycle

  @BeforeAll
  void startServer() throws Exception {
    RecordingLimiter l = RecordingLimiter.of(engine());
    Apps a = new Apps(routes(), false, false);
    limiter = l;
    apps = a;
    server = start(l, a);
  }

  @AfterAll
  void stopServer() {
    if (server != null) {
      server.stop();
    }
    if (apps != null) {
      apps.close();
    }
  }

  private AgentLimiter engine() {
    return AgentLimiters.newBuilder()
        .identity(IdentityResolvers.apiKeys(observedKeys))
        .credentialFailureLimit(Limit.capacity(1000).refill(1000).per(Duration.ofMinutes(1)))
        .build();
  }

  private RecordingLimiter limiter() {
    return Objects.requireNonNull(limiter, "limiter");
  }

  private Apps apps() {
    return Objects.requireNonNull(apps, "apps");
  }

  private RunningServer server() {
    return Objects.requireNonNull(server, "server");
  }

  /** The API key of a test's own agent (scope {@code dns:read}, or also {@code dns:write}), created once. */
  private String key(String name, String... scopes) {
    String key = "ak_" + name + "_0123456789abcdef";
    agents.computeIfAbsent(
        name,
        n -> {
          AgentIdentity identity = new AgentIdentity("agent-" + n, "default", Set.of(scopes), IdentitySource.API_KEY);
          keys.add(key, identity);
          return identity;
        });
    return key;
  }

  private AgentIdentity agent(String name) {
    return Objects.requireNonNull(agents.get(name), name);
  }

  // ---------------------------------------------------------------- HTTP

  private HttpRequest.Builder request(RunningServer s, String path, @Nullable String key) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.baseUri() + path)).timeout(TIMEOUT);
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b;
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> get(String path, @Nullable String key, String... headers)
      throws IOException, InterruptedException {
    return get(server(), path, key, headers);
  }

  private HttpResponse<String> get(RunningServer s, String path, @Nullable String key, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = request(s, path, key).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  private HttpResponse<String> post(String path, @Nullable String key, String contentType, BodyPublisher body)
      throws IOException, InterruptedException {
    return send(request(server(), path, key).header("Content-Type", contentType).POST(body).build());
  }

  /** Sends raw bytes over a socket and answers the status line (empty if the server closed without one). */
  private String raw(String request) throws IOException, InterruptedException {
    try (Socket socket = new Socket()) {
      socket.connect(loopback(server().port()), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      CompletableFuture<Void> writing =
          CompletableFuture.runAsync(
              () -> {
                try {
                  out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                  out.flush();
                } catch (IOException e) {
                  // the server may refuse and close before it has read everything
                }
              });
      String status = statusLine(socket.getInputStream());
      try {
        writing.get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IOException(e);
      }
      return status;
    }
  }

  /**
   * Sends {@code request} (which asks for {@code Connection: close}) over a socket to {@code s} and answers
   * everything the server sent until it closed: status line, headers and body.
   */
  private static String rawExchange(RunningServer s, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(loopback(s.port()), 5000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /** The values of header {@code name} (case-insensitive) in a raw response. */
  private static List<String> headerValues(String response, String name) {
    List<String> values = new ArrayList<>();
    int end = response.indexOf("\r\n\r\n");
    for (String line : response.substring(0, end < 0 ? response.length() : end).split("\r\n", -1)) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        values.add(line.substring(colon + 1).trim());
      }
    }
    return values;
  }

  private static InetSocketAddress loopback(int port) throws IOException {
    return new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port);
  }

  private static String statusLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  private static int statusOf(String statusLine) {
    String[] parts = statusLine.split(" ", 3);
    assertThat(parts.length).as("status line '%s'", statusLine).isGreaterThanOrEqualTo(2);
    return Integer.parseInt(parts[1]);
  }

  // ---------------------------------------------------------------- problem bodies

  /** The members of a problem body: strings, longs, and lists of strings. */
  static Map<String, Object> problem(HttpResponse<String> response) throws IOException {
    assertThat(response.headers().allValues("Content-Type")).containsExactly(PROBLEM_JSON);
    Map<String, Object> members = new LinkedHashMap<>();
    try (JsonParser p = new JsonFactory().createParser(response.body())) {
      assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.START_ARRAY) {
          List<String> items = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            items.add(p.getText());
          }
          members.put(name, items);
        } else if (value == JsonToken.VALUE_NUMBER_INT) {
          members.put(name, p.getLongValue());
        } else {
          members.put(name, p.getText());
        }
      }
      assertThat(p.nextToken()).isNull();
    }
    assertThat(members.get("status")).isEqualTo((long) response.statusCode());
    return members;
  }

  private static void assertNoRateLimitFields(HttpResponse<String> response) {
    assertThat(response.headers().allValues("RateLimit-Policy")).isEmpty();
    assertThat(response.headers().allValues("RateLimit")).isEmpty();
  }

  private static long retryAfter(HttpResponse<String> response) {
    List<String> values = response.headers().allValues("Retry-After");
    assertThat(values).hasSize(1);
    assertThat(values.get(0)).matches("[1-9][0-9]*");
    return Long.parseLong(values.get(0));
  }

  // ---------------------------------------------------------------- cases

  @Test
  void allowedResponsesCarryRateLimitFieldsUntilA429() throws Exception {
    String key = key("rate", "dns:read");
    for (int remaining = 2; remaining >= 0; remaining--) {
      HttpResponse<String> ok = get("/hello", key);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("hello");
      assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"burst\";q=3;w=3600");
      assertThat(ok.headers().allValues("RateLimit")).hasSize(1);
      assertThat(ok.headers().allValues("RateLimit").get(0)).matches("\"burst\";r=" + remaining + ";t=[1-9][0-9]*");
    }
    HttpResponse<String> refused = get("/hello", key);
    assertThat(refused.statusCode()).isEqualTo(429);
    long retryAfter = retryAfter(refused);
    assertThat(refused.headers().allValues("RateLimit-Policy")).containsExactly("\"burst\";q=3;w=3600");
    assertThat(refused.headers().allValues("RateLimit").get(0)).matches("\"burst\";r=0;t=[1-9][0-9]*");
    Map<String, Object> problem = problem(refused);
    assertThat(problem)
        .containsEntry("type", QUOTA_EXCEEDED)
        .containsEntry("title", "Too Many Requests")
        .containsEntry("reason", "RATE_LIMITED")
        .containsEntry("violated-policies", List.of("hello"))
        .containsEntry("retryAfter", retryAfter)
        .containsEntry("detail", "limit 'burst' of policy 'hello' is exhausted; retry after " + retryAfter + " s")
        .doesNotContainKey("cause");
    assertThat(List.copyOf(problem.keySet()))
        .containsExactly("type", "title", "status", "detail", "reason", "violated-policies", "retryAfter");
    assertThat(apps().invocations("hello:Bearer " + key)).isEqualTo(3);
  }

  @Test
  void missingOrFailedCredentialsGet401WithOneBody() throws Exception {
    int before = apps().invocations("hello:-");
    HttpResponse<String> missing = get("/hello", null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"api\"");
    assertThat(missing.headers().allValues("Content-Type")).containsExactly(PROBLEM_JSON);
    assertThat(missing.body()).isEqualTo(UNAUTHENTICATED_BODY);
    assertNoRateLimitFields(missing);

    String revokedKey = key("revoked", "dns:read");
    assertThat(keys.revoke(revokedKey)).isTrue();
    HttpResponse<String> unknown = get("/hello", "ak_nobody_0123456789abcdef");
    HttpResponse<String> revoked = get("/hello", revokedKey);
    HttpResponse<String> malformed = get("/hello", "short");
    for (HttpResponse<String> failed : List.of(unknown, revoked, malformed)) {
      assertThat(failed.statusCode()).isEqualTo(401);
      assertThat(failed.headers().allValues("WWW-Authenticate"))
          .containsExactly("Bearer realm=\"api\", error=\"invalid_token\"");
      assertThat(failed.body()).isEqualTo(UNAUTHENTICATED_BODY);
      assertThat(problem(failed)).doesNotContainKey("cause").containsEntry("detail", "a valid credential is required");
    }
    assertThat(apps().invocations("hello:-")).isEqualTo(before);
  }

  @Test
  void aMissingScopeGets403NamingIt() throws Exception {
    HttpResponse<String> forbidden = get("/scoped", key("reader", "dns:read"));
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(forbidden.headers().allValues("WWW-Authenticate")).isEmpty();
    assertThat(forbidden.headers().allValues("Retry-After")).isEmpty();
    assertThat(problem(forbidden))
        .containsEntry("type", "https://agentlimiter.dev/problems/forbidden")
        .containsEntry("title", "Forbidden")
        .containsEntry("reason", "FORBIDDEN")
        .containsEntry("detail", "missing scope 'dns:write'")
        .containsEntry("cause", "missing-scope")
        .doesNotContainKey("retryAfter");
    assertThat(apps().invocations("scoped")).isZero();
    HttpResponse<String> allowed = get("/scoped", key("writer", "dns:read", "dns:write"));
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.headers().allValues("RateLimit-Policy")).containsExactly("\"minute\";q=100;w=60");
    assertThat(apps().invocations("scoped")).isEqualTo(1);
  }

  @Test
  void aMissingRequiredHeaderGets400() throws Exception {
    String key = key("rules", "dns:read");
    HttpResponse<String> bad = get("/rules", key);
    assertThat(bad.statusCode()).isEqualTo(400);
    Map<String, Object> problem = problem(bad);
    assertThat(problem)
        .containsEntry("type", INVALID_REQUEST)
        .containsEntry("reason", "INVALID_REQUEST")
        .containsEntry("cause", "missing-header")
        .containsEntry("violated-policies", List.of());
    assertThat(String.valueOf(problem.get("detail"))).containsIgnoringCase("x-task-id");
    assertThat(apps().invocations("rules")).isZero();
    assertThat(get("/rules", key, "X-Task-Id", "t-1").statusCode()).isEqualTo(200);
    assertThat(apps().invocations("rules")).isEqualTo(1);
  }

  @Test
  void aWrongContentTypeGets415() throws Exception {
    HttpResponse<String> bad = post("/json", key("ctype", "dns:read"), "text/plain", BodyPublishers.ofString("{}"));
    assertThat(bad.statusCode()).isEqualTo(415);
    assertThat(problem(bad))
        .containsEntry("type", INVALID_REQUEST)
        .containsEntry("title", "Unsupported Media Type")
        .containsEntry("cause", "unsupported-content-type");
    assertThat(apps().invocations("json:Bearer " + key("ctype"))).isZero();
  }

  private static final String TOO_LARGE_BODY =
      "{\"type\":\"https://agentlimiter.dev/problems/invalid-request\",\"title\":\"Content Too Large\",\"status\":413,"
          + "\"detail\":\"request body exceeds the limit of 65536 bytes\",\"reason\":\"INVALID_REQUEST\","
          + "\"violated-policies\":[],\"cause\":\"body-too-large\"}";

  /**
   * A client that waits for {@code 100 Continue} never has to send the 100 MB it declared. Over a socket: the
   * JDK 17 {@link HttpClient} hangs when an {@code Expect: 100-continue} request gets a final status.
   */
  @Test
  void aHugeDeclaredBodyGets413BeforeItIsSent() throws Exception {
    String key = key("huge", "dns:read");
    String head =
        "POST /json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
            + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " + (100L << 20)
            + "\r\n\r\n";
    long start = System.nanoTime();
    String response = rawResponse(head, 0, false);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(response).startsWith("HTTP/1.1 413 ").endsWith("\r\n\r\n" + TOO_LARGE_BODY)
        .containsIgnoringCase("\r\nConnection: close\r\n");
    assertThat(took).as("413 took %s", took).isLessThan(Duration.ofSeconds(5));
    assertThat(apps().invocations("json:Bearer " + key)).isZero();
  }

  /**
   * A client that streams its declared 100 MB at once gets the 413 after 1 MiB. Over a socket: {@link
   * HttpClient} still writing when the server closes may report the closed connection instead of the
   * response it already received.
   */
  @Test
  void aHugeDeclaredBodyStreamedAnywayGets413Fast() throws Exception {
    String key = key("hugestream", "dns:read");
    String head =
        "POST /json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
            + "\r\nContent-Type: application/json\r\nContent-Length: " + (100L << 20) + "\r\n\r\n";
    String response = rawResponse(head, 16, false);
    assertThat(response).startsWith("HTTP/1.1 413 ").endsWith("\r\n\r\n" + TOO_LARGE_BODY)
        .containsIgnoringCase("\r\nConnection: close\r\n");
    assertThat(response).containsIgnoringCase("\r\nContent-Type: application/problem+json\r\n");
    assertThat(apps().invocations("json:Bearer " + key)).isZero();
  }

  @Test
  void aChunkedOversizedBodyGets413() throws Exception {
    String key = key("chunked", "dns:read");
    String head =
        "POST /json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
            + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    String response = rawResponse(head, 16, true);
    assertThat(response).startsWith("HTTP/1.1 413 ").endsWith("\r\n\r\n" + TOO_LARGE_BODY)
        .containsIgnoringCase("\r\nConnection: close\r\n");
    assertThat(apps().invocations("json:Bearer " + key)).isZero();
  }

  /**
   * Sends {@code head} and {@code chunks} pieces of 64 KiB of body (as HTTP chunks if {@code chunked}, never
   * the last chunk), then stops writing and reads one response (headers and {@code Content-Length} bytes).
   */
  private String rawResponse(String head, int chunks, boolean chunked) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(loopback(server().port()), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      byte[] piece = new byte[64 * 1024];
      java.util.Arrays.fill(piece, (byte) ' ');
      try {
        for (int i = 0; i < chunks; i++) {
          if (chunked) {
            out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          }
          out.write(piece);
          if (chunked) {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          }
        }
        out.flush();
      } catch (IOException e) {
        // the server answered and closed before reading it all: read what it said
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        got.write(b);
        String sofar = got.toString(StandardCharsets.ISO_8859_1);
        if (sofar.endsWith("\r\n\r\n")) {
          if (!sofar.startsWith("HTTP/1.1 1")) {
            break;
          }
          got.reset(); // an interim response (Tomcat answers 100 Continue at once by default)
        }
      }
      String headers = got.toString(StandardCharsets.ISO_8859_1);
      java.util.regex.Matcher length =
          java.util.regex.Pattern.compile("(?i)\r\ncontent-length: *([0-9]+)\r\n").matcher(headers);
      assertThat(length.find()).as("Content-Length in %s", headers).isTrue();
      got.write(in.readNBytes(Integer.parseInt(length.group(1))));
      return got.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void malformedJsonGets400WithItsCause() throws Exception {
    String key = key("malformed", "dns:read");
    HttpResponse<String> duplicate = post("/json", key, "application/json", BodyPublishers.ofString("{\"a\":1,\"a\":2}"));
    assertThat(duplicate.statusCode()).isEqualTo(400);
    Map<String, Object> dup = problem(duplicate);
    assertThat(dup).containsEntry("cause", "malformed-json.duplicate-key").containsEntry("reason", "INVALID_REQUEST");
    assertThat(String.valueOf(dup.get("detail"))).doesNotContain("\"a\"");
    String deep = "[".repeat(40) + "]".repeat(40);
    HttpResponse<String> tooDeep = post("/json", key, "application/json", BodyPublishers.ofString(deep));
    assertThat(tooDeep.statusCode()).isEqualTo(400);
    assertThat(problem(tooDeep)).containsEntry("cause", "malformed-json.too-deep");
    assertThat(apps().invocations("json:Bearer " + key)).isZero();
  }

  @Test
  void aValidBodyReachesTheApplicationByteForByte() throws Exception {
    String key = key("replay", "dns:read");
    StringBuilder json = new StringBuilder("{\"items\":[");
    for (int i = 0; i < 500; i++) {
      json.append(i == 0 ? "" : ",").append("{\"n\":").append(i).append(",\"s\":\"\u00e9\u6f22\u00df-").append(i).append("\"}");
    }
    byte[] body = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    assertThat(body.length).isGreaterThan(8192).isLessThan(MAX_BODY);
    HttpResponse<String> ok = post("/json", key, "application/json; charset=utf-8", BodyPublishers.ofByteArray(body));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo(echo(body));
    assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"minute\";q=100;w=60");
    assertThat(apps().invocations("json:Bearer " + key)).isEqualTo(1);
  }

  @Test
  void aLoopingAgentIsStoppedWhileAWellBehavedOneIsNeverDenied() throws Exception {
    String looping = key("looping", "dns:read");
    String polite = key("polite", "dns:read");
    List<CompletableFuture<HttpResponse<String>>> loops = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> polites = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      loops.add(
          http.sendAsync(
              request(server(), "/tasks", looping)
                  .header("Content-Type", "application/json")
                  .POST(BodyPublishers.ofString("{\"task\":\"retry me\"}"))
                  .build(),
              BodyHandlers.ofString()));
      if (i % 2 == 0) {
        polites.add(
            http.sendAsync(
                request(server(), "/tasks", polite)
                    .header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofString("{\"task\":" + i + "}"))
                    .build(),
                BodyHandlers.ofString()));
      }
    }
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : loops) {
      HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
      if (r.statusCode() != 200) {
        refused++;
        assertThat(r.statusCode()).isEqualTo(429);
        retryAfter(r);
        Map<String, Object> problem = problem(r);
        assertThat(problem).containsEntry("type", ABNORMAL_USAGE).containsEntry("violated-policies", List.of("tasks"));
        assertThat(problem.get("reason")).isIn("LOOP_DETECTED", "QUARANTINED");
      }
    }
    for (CompletableFuture<HttpResponse<String>> f : polites) {
      assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    int reached = apps().invocations("tasks:Bearer " + looping);
    assertThat(reached).isBetween(1, 3);
    assertThat(refused).isEqualTo(50 - reached);
    assertThat(apps().invocations("tasks:Bearer " + polite)).isEqualTo(25);
  }

  @Test
  void spoofedForwardingHeadersDoNotSplitTheAnonymousBucket() throws Exception {
    HttpResponse<String> first = get("/open", null, "X-Forwarded-For", "1.2.3.4");
    HttpResponse<String> second = get("/open", null, "X-Forwarded-For", "5.6.7.8", "X-Real-IP", "9.9.9.9");
    HttpResponse<String> third = get("/open", null, "Forwarded", "for=10.0.0.1");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().allValues("RateLimit-Policy")).containsExactly("\"anon\";q=2;w=3600");
    assertThat(first.headers().allValues("RateLimit").get(0)).startsWith("\"anon\";r=1;");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().allValues("RateLimit").get(0)).startsWith("\"anon\";r=0;");
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(problem(third)).containsEntry("violated-policies", List.of("open"));
    assertThat(apps().invocations("open")).isEqualTo(2);
    assertThat(limiter().admin().inspect(AgentIdentity.of("ip:127.0.0.1", IdentitySource.IP), OPEN).get(0).remaining())
        .isZero();
  }

  @Test
  void headerAbuseIsRefusedByTheServerBeforeTheApplication() throws Exception {
    String key = key("abuse", "dns:read");
    String head = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key + "\r\n";
    int bareCr = statusOf(raw(head + "X-Evil: a\rInjected: b\r\nConnection: close\r\n\r\n"));
    int bareLf = statusOf(raw(head + "X-Evil: a\nnot a header\r\nConnection: close\r\n\r\n"));
    int huge = statusOf(raw(head + "X-Big: " + "a".repeat(64 * 1024) + "\r\nConnection: close\r\n\r\n"));
    assertThat(bareCr).isEqualTo(400);
    assertThat(bareLf).isEqualTo(400);
    assertThat(huge).isIn(400, 431);
    assertThat(apps().invocations("hello:Bearer " + key)).as("application invocations").isZero();
    assertThat(limiter().admin().inspect(agent("abuse"), HELLO).get(0).remaining()).as("no token taken").isEqualTo(3);
    // the same request, well-formed, does reach the application
    assertThat(statusOf(raw(head + "Connection: close\r\n\r\n"))).isEqualTo(200);
    assertThat(limiter().admin().inspect(agent("abuse"), HELLO).get(0).remaining()).isEqualTo(2);
    assertThat(apps().invocations("hello:Bearer " + key)).isEqualTo(1);
  }

  /**
   * Spellings of a limited path that a server may map to the same endpoint (percent-encoding, path
   * parameters, dot segments, doubled or trailing slashes) are never served unlimited: without a key they
   * are refused (401) or not found; with a key, every one the application serves carries the RateLimit
   * fields and took a token.
   */
  @Test
  void anotherSpellingOfALimitedPathIsStillLimited() throws Exception {
    String key = key("spelling", "dns:read");
    List<String> spellings = List.of("/hell%6F", "/%68ello", "/hello;x=1", "/./hello", "/x/../hello", "/hello/", "//hello");
    int before = apps().invocations("hello");
    for (String path : spellings) {
      int status = statusOf(raw("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
      assertThat(status).as(path).isIn(400, 401, 404);
      assertThat(apps().invocations("hello")).as("served without a key: " + path).isEqualTo(before);
    }
    int served = 0;
    for (String path : spellings) {
      HttpResponse<String> r = send(request(server(), "", key).uri(URI.create(server().baseUri() + path)).GET().build());
      assertThat(r.statusCode()).as(path).isIn(200, 400, 404, 429);
      if (r.statusCode() == 200) {
        served++;
        assertThat(r.headers().allValues("RateLimit").get(0)).as(path).startsWith("\"burst\";r=" + (3 - served) + ";");
      }
    }
    assertThat(apps().invocations("hello:Bearer " + key)).isEqualTo(served);
    assertThat(limiter().admin().inspect(agent("spelling"), HELLO).get(0).remaining()).isEqualTo(Math.max(0, 3 - served));
    if (percentEncodingReachesTheEndpoint()) {
      // the same endpoint, so limited, not unknown
      assertThat(statusOf(raw("GET /hell%6F HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))).isEqualTo(401);
    }
  }

  // ---------------------------------------------------------------- issue 14: path spellings on /*

  /**
   * Spellings of {@code GET /v1/orders} and {@code GET /v1/items/{id}} that a front controller on {@code /*}
   * serves as those routes, or that a server may map to them (trailing and doubled slashes, a trailing
   * {@code /.}, dot segments, path parameters, encoded slashes and dots).
   */
  private static final List<String> FRONT_CONTROLLER_SPELLINGS =
      List.of(
          "/v1/orders/", "/v1/orders/.", "/v1/orders//", "/v1/orders/./", "/v1/orders;x=1/", "/v1/orders;x=1",
          "/v1//orders", "//v1/orders/", "/v1/./orders/", "/v1/x/../orders/", "/v1/orders/x/..", "/v1/orders%2F",
          "/v1/orders%2f", "/v1/orders/%2e", "/v1/orders/%2E/", "/v1/items/42/", "/v1/items/42/.",
          "/v1/items//42/", "/v1/items/42;x=1/", "/v1/items/42//", "/v1/items/42/./");

  /**
   * Issue 14, item 5: with the application on {@code /*} (as Spring's {@code DispatcherServlet} or any front
   * controller is, and as a Jakarta REST application is), {@code /v1/orders/} and {@code /v1/orders/.}
   * reached the handler of {@code GET /v1/orders} without a credential and without RateLimit fields. No
   * spelling is served without a key now (each is refused with 401, or is no endpoint), and with a key every
   * spelling the application serves carries the route's RateLimit fields, counting down.
   */
  @Test
  void theApplicationOnSlashStarServesNoSpellingOfALimitedRouteUnlimited() throws Exception {
    assertNoSpellingIsServedUnlimited(server(), apps(), FRONT_CONTROLLER_SPELLINGS, key("frontcontroller", "dns:read"));
    assertThat(apps().invocations("orders:Bearer " + key("frontcontroller")))
        .as("the application serves a trailing slash as its route")
        .isPositive();
  }

  /**
   * Issue 14, item 5, with the adapter's {@code caseInsensitiveRoutes(true)} in front of an application that
   * routes ignoring case: {@code /V1/Orders} and its other spellings meet the route of {@code /v1/orders}.
   */
  @Test
  void withCaseInsensitiveRoutesNoCaseOfALimitedRouteIsServedUnlimited() throws Exception {
    String key = key("anycase", "dns:read");
    try (Apps anyCase = new Apps(routes(), false, false, true);
        RunningServer s = start(RecordingLimiter.of(engine()), anyCase)) {
      List<String> spellings =
          List.of("/V1/Orders", "/v1/ORDERS/", "/V1/ORDERS/.", "/V1//Orders//", "/v1/Items/42/", "/V1/ITEMS/42");
      assertNoSpellingIsServedUnlimited(s, anyCase, spellings, key);
      if (theApplicationCanRouteIgnoringCase()) {
        assertThat(anyCase.invocations("orders:Bearer " + key)).as("the application ignores case").isPositive();
      }
    }
  }

  private void assertNoSpellingIsServedUnlimited(RunningServer s, Apps a, List<String> spellings, String key)
      throws IOException {
    String close = " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (String canonical : List.of("/v1/orders", "/v1/items/42")) {
      String refused = rawExchange(s, "GET " + canonical + close + "\r\n");
      assertThat(refused).as(canonical).startsWith("HTTP/1.1 401 ");
    }
    for (String path : spellings) {
      String response = rawExchange(s, "GET " + path + close + "\r\n");
      assertThat(statusOf(response)).as(path).isIn(400, 401, 404);
      assertThat(a.invocations("orders") + a.invocations("items")).as("served without a key: " + path).isZero();
    }
    Map<String, Long> lastRemaining = new java.util.HashMap<>();
    int served = 0;
    for (String path : spellings) {
      String response = rawExchange(s, "GET " + path + close + "Authorization: Bearer " + key + "\r\n\r\n");
      int status = statusOf(response);
      assertThat(status).as(path).isIn(200, 400, 404);
      if (status == 200) {
        served++;
        String name = response.endsWith("orders") ? "orders" : "items";
        assertThat(headerValues(response, "RateLimit-Policy")).as(path).containsExactly("\"" + name + "\";q=1000;w=3600");
        List<String> state = headerValues(response, "RateLimit");
        assertThat(state).as(path).hasSize(1);
        java.util.regex.Matcher r = java.util.regex.Pattern.compile("\"" + name + "\";r=([0-9]+);t=[0-9]+").matcher(state.get(0));
        assertThat(r.matches()).as("%s: %s", path, state).isTrue();
        long remaining = Long.parseLong(r.group(1));
        assertThat(remaining).as("%s took a token", path).isLessThan(lastRemaining.getOrDefault(name, 1000L));
        lastRemaining.put(name, remaining);
      }
    }
    assertThat(a.invocations("orders:Bearer " + key) + a.invocations("items:Bearer " + key)).isEqualTo(served);
  }

  // ---------------------------------------------------------------- issue 14: Connection: close

  /** A 24-byte JSON body, as the loop detector's fingerprint reads it whole. */
  private static final String SMALL_TASK = "{\"task\":\"keep me alive\"}";

  private Socket connect() throws IOException {
    Socket socket = new Socket();
    socket.connect(loopback(server().port()), 5000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  /**
   * Writes {@code request} on {@code socket} and reads one final response (interim 1xx skipped): status line,
   * headers, and the body its {@code Content-Length} or chunked coding frames, leaving the connection at the
   * next response.
   */
  private static String exchange(Socket socket, String request) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    InputStream in = socket.getInputStream();
    while (true) {
      StringBuilder lines = new StringBuilder(readLine(in)).append("\r\n");
      for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
        lines.append(line).append("\r\n");
      }
      String head = lines.append("\r\n").toString();
      if (head.startsWith("HTTP/1.1 1")) {
        continue;
      }
      List<String> length = headerValues(head, "Content-Length");
      if (!length.isEmpty()) {
        return head + new String(in.readNBytes(Integer.parseInt(length.get(0))), StandardCharsets.UTF_8);
      }
      assertThat(headerValues(head, "Transfer-Encoding")).as(head).containsExactly("chunked");
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (int size = chunkSize(readLine(in)); size > 0; size = chunkSize(readLine(in))) {
        body.write(in.readNBytes(size));
        readLine(in);
      }
      while (!readLine(in).isEmpty()) {
        // trailer fields
      }
      return head + body.toString(StandardCharsets.UTF_8);
    }
  }

  private static int chunkSize(String line) {
    int semicolon = line.indexOf(';');
    return Integer.parseInt((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
  }

  /** One CRLF-terminated line, without the CRLF; fails at the end of the stream. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new java.io.EOFException("connection closed after '" + line.toString(StandardCharsets.ISO_8859_1) + "'");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  private static boolean asksToClose(String response) {
    return headerValues(response, "Connection").stream().anyMatch(v -> v.equalsIgnoreCase("close"));
  }

  /** Whether the server closed {@code socket} (end of stream, or a reset) within 5 s. */
  private static boolean closedByServer(Socket socket) throws IOException {
    socket.setSoTimeout(5_000);
    try {
      return socket.getInputStream().read() < 0;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static String postTask(String key, String body) {
    return "POST /tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (key.isEmpty() ? "" : "Authorization: Bearer " + key + "\r\n")
        + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\n\r\n" + body;
  }

  /**
   * Issue 14, item 10: a {@code LOOP_DETECTED} refusal of a 24-byte JSON POST, whose body the engine read
   * for the fingerprint, carried {@code Connection: close}, so a keep-alive agent paid a new connection per
   * refusal. On one connection now: the same POST until the loop detector refuses it, then a second request
   * on the same socket is answered.
   */
  @Test
  void aRefusalOfABodyReadToItsEndKeepsTheConnectionOpen() throws Exception {
    String key = key("keepalive", "dns:read");
    assertThat(SMALL_TASK.getBytes(StandardCharsets.UTF_8)).hasSize(24);
    try (Socket socket = connect()) {
      String refused = null;
      for (int i = 0; i < 10 && refused == null; i++) {
        String response = exchange(socket, postTask(key, SMALL_TASK));
        if (statusOf(response) == 429) {
          refused = response;
        } else {
          assertThat(statusOf(response)).as(response).isEqualTo(200);
        }
      }
      assertThat(refused).as("refused by the loop detector").isNotNull();
      String refusal = Objects.requireNonNull(refused);
      assertThat(refusal).containsPattern("\"reason\":\"(LOOP_DETECTED|QUARANTINED)\"");
      assertThat(asksToClose(refusal)).as(refusal).isFalse();
      String next = exchange(socket, "GET /plain HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertThat(statusOf(next)).as("the next request on the same connection").isEqualTo(200);
      assertThat(next).endsWith("plain");
    }
    assertThat(apps().invocations("tasks:Bearer " + key)).isEqualTo(3);
  }

  /**
   * Issue 14, item 10, the other way: a refusal that leaves body bytes unread still closes the connection,
   * whether it came before the body was read (no credential) or after only a prefix of it was (a body larger
   * than the fingerprint's 8 KiB, refused by the loop detector).
   */
  @Test
  void aRefusalThatLeavesBodyBytesUnreadClosesTheConnection() throws Exception {
    try (Socket socket = connect()) {
      String unauthenticated = exchange(socket, postTask("", SMALL_TASK));
      assertThat(statusOf(unauthenticated)).isEqualTo(401);
      assertThat(asksToClose(unauthenticated)).as(unauthenticated).isTrue();
      assertThat(closedByServer(socket)).isTrue();
    }
    String key = key("partlyread", "dns:read");
    String large = "{\"task\":\"" + "x".repeat(20_000) + "\"}";
    String refused = null;
    for (int i = 0; i < 10 && refused == null; i++) {
      try (Socket socket = connect()) {
        String response = exchange(socket, postTask(key, large));
        if (statusOf(response) == 429) {
          refused = response;
          assertThat(asksToClose(response)).as(response).isTrue();
          assertThat(closedByServer(socket)).isTrue();
        } else {
          assertThat(statusOf(response)).as(response).isEqualTo(200);
        }
      }
    }
    assertThat(refused).as("refused by the loop detector").isNotNull();
  }

  @Test
  void anApplicationExceptionEndsTheAdmission() throws Exception {
    String key = key("boom", "dns:read");
    HttpResponse<String> failed = get("/boom", key);
    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(limiter().awaitEnded("agent-boom", 1, Duration.ofSeconds(5))).isTrue();
    assertThat(limiter().lastOutcome("agent-boom")).contains(Outcome.Kind.FAILURE);
    assertThat(limiter().admin().inFlight(agent("boom"), CONC)).isZero();
    assertThat(apps().invocations("boom")).isEqualTo(1);
  }

  @Test
  void anAsyncRequestHoldsItsPermitUntilItCompletes() throws Exception {
    String key = key("async", "dns:read");
    CompletableFuture<HttpResponse<String>> pending =
        http.sendAsync(request(server(), "/async", key).GET().build(), BodyHandlers.ofString());
    assertThat(apps().asyncStarted.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(limiter().admin().inFlight(agent("async"), CONC)).isEqualTo(1);
    apps().asyncRelease.countDown();
    HttpResponse<String> done = pending.get(10, TimeUnit.SECONDS);
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).isEqualTo("async done");
    assertThat(done.headers().allValues("RateLimit-Policy")).containsExactly("\"minute\";q=1000;w=60");
    assertThat(limiter().awaitEnded("agent-async", 1, Duration.ofSeconds(5))).isTrue();
    assertThat(limiter().lastOutcome("agent-async")).contains(Outcome.Kind.SUCCESS);
    assertThat(limiter().admin().inFlight(agent("async"), CONC)).isZero();
  }

  @Test
  void anAsyncTimeoutEndsTheAdmission() throws Exception {
    String key = key("timeout", "dns:read");
    HttpResponse<String> timedOut = get("/async-timeout", key);
    assertThat(timedOut.statusCode()).isEqualTo(500);
    assertThat(limiter().awaitEnded("agent-timeout", 1, Duration.ofSeconds(5))).isTrue();
    assertThat(limiter().lastOutcome("agent-timeout")).contains(Outcome.Kind.FAILURE);
    assertThat(limiter().admin().inFlight(agent("timeout"), CONC)).isZero();
  }

  @Test
  void aClientThatDisconnectsReleasesItsPermit() throws Exception {
    String key = key("gone", "dns:read");
    try (Socket socket = new Socket()) {
      socket.connect(loopback(server().port()), 5000);
      socket
          .getOutputStream()
          .write(("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      assertThat(apps().slowEntered.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(limiter().admin().inFlight(agent("gone"), CONC)).isEqualTo(1);
      socket.setSoLinger(true, 0); // reset, not a graceful close
    }
    apps().slowRelease.countDown();
    assertThat(limiter().awaitEnded("agent-gone", 1, Duration.ofSeconds(5))).isTrue();
    assertThat(limiter().admin().inFlight(agent("gone"), CONC)).isZero();
  }

  /**
   * A client that resets the connection while its body is being read: the engine's body read fails, the
   * application is never invoked, the admission is ended, and the agent's next request is served.
   */
  @Test
  void aClientThatDisconnectsMidBodyNeverReachesTheApplication() throws Exception {
    String key = key("midbody", "dns:read");
    int before = apps().invocations("json");
    try (Socket socket = new Socket()) {
      socket.connect(loopback(server().port()), 5000);
      socket
          .getOutputStream()
          .write(("POST /json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                  + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"task\":\"")
              .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      CountDownLatch lookedUp = keyLookups.computeIfAbsent("agent-midbody", k -> new CountDownLatch(1));
      assertThat(lookedUp.await(5, TimeUnit.SECONDS)).isTrue(); // identified: the body read comes next
      socket.setSoLinger(true, 0); // reset, not a graceful close
    }
    assertThat(limiter().awaitEnded("agent-midbody", 1, Duration.ofSeconds(5))).isTrue();
    assertThat(apps().invocations("json")).isEqualTo(before);
    byte[] body = "{\"task\":\"again\"}".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> next = post("/json", key, "application/json", BodyPublishers.ofByteArray(body));
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(next.body()).isEqualTo(echo(body));
    assertThat(apps().invocations("json")).isEqualTo(before + 1);
  }

  /** A limiter like {@link #engine()} that keeps every decision event. */
  private AgentLimiter recorded(java.util.Queue<DecisionEvent> events) {
    return AgentLimiters.newBuilder()
        .identity(IdentityResolvers.apiKeys(observedKeys))
        .credentialFailureLimit(Limit.capacity(1000).refill(1000).per(Duration.ofMinutes(1)))
        .listener(
            new LimiterListener() {
              @Override
              public void onDecision(DecisionEvent event) {
                events.add(event);
              }
            })
        .build();
  }

  /** Waits until {@code events} holds {@code count} events (each is told when its request ends). */
  private static List<DecisionEvent> await(java.util.Queue<DecisionEvent> events, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (events.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    Thread.sleep(50); // and no more than that
    return List.copyOf(events);
  }

  /**
   * Issue 15: exactly one decision event per request on a limited route, for every outcome the contract
   * has (allowed, 429, both 401s, 403, 400, 415), each with the status the client got and the route's
   * pattern; none for a route without a policy. Before, the refusals before the policies were never told.
   */
  @Test
  void everyRequestOnALimitedRouteIsToldOnceAsADecisionEvent() throws Exception {
    String key = key("events", "dns:read");
    java.util.Queue<DecisionEvent> events = new java.util.concurrent.ConcurrentLinkedQueue<>();
    try (Apps eventApps = new Apps(routes(), false, false); RunningServer s = start(recorded(events), eventApps)) {
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sent.add(get(s, "/hello", key).statusCode() + " " + (i < 3 ? "ALLOWED" : "RATE_LIMITED"));
      }
      sent.add(get(s, "/hello", null).statusCode() + " UNAUTHENTICATED");
      sent.add(get(s, "/hello", "ak_nobody_0123456789abcdef").statusCode() + " UNAUTHENTICATED");
      sent.add(get(s, "/scoped", key).statusCode() + " FORBIDDEN");
      sent.add(get(s, "/rules", key).statusCode() + " INVALID_REQUEST");
      sent.add(
          send(request(s, "/json", key).header("Content-Type", "text/plain").POST(BodyPublishers.ofString("{}")).build())
                  .statusCode()
              + " INVALID_REQUEST");
      assertThat(get(s, "/plain", key).statusCode()).isEqualTo(200); // no route: no event
      assertThat(sent)
          .containsExactly(
              "200 ALLOWED", "200 ALLOWED", "200 ALLOWED", "429 RATE_LIMITED", "401 UNAUTHENTICATED",
              "401 UNAUTHENTICATED", "403 FORBIDDEN", "400 INVALID_REQUEST", "415 INVALID_REQUEST");
      List<DecisionEvent> told = await(events, sent.size());
      assertThat(told)
          .extracting(e -> e.status().orElse(0) + " " + e.reason())
          .containsExactlyInAnyOrderElementsOf(sent);
      assertThat(told).allSatisfy(e -> assertThat(e.route()).isPresent());
      assertThat(told).allSatisfy(e -> assertThat(e.shadow()).isFalse());
      assertThat(told).allSatisfy(e -> assertThat(e.toString()).doesNotContain(key).doesNotContain("ak_nobody"));
      assertThat(told).filteredOn(e -> e.reason() == dev.agentlimiter.api.Reason.ALLOWED)
          .extracting(DecisionEvent::agentId)
          .containsOnly("agent-events");
    }
  }

  /** Issue 15: a shadow route's refusals are told as "would refuse": refused, shadow, and answered 200. */
  @Test
  void shadowRefusalsAreToldAsWouldRefuse() throws Exception {
    String key = key("shadow-events", "dns:read");
    java.util.Queue<DecisionEvent> events = new java.util.concurrent.ConcurrentLinkedQueue<>();
    try (Apps shadowApps = new Apps(routes(), true, false); RunningServer s = start(recorded(events), shadowApps)) {
      for (int i = 0; i < 5; i++) {
        assertThat(get(s, "/hello", key).statusCode()).isEqualTo(200);
      }
      List<DecisionEvent> told = await(events, 5);
      assertThat(told).hasSize(5);
      assertThat(told).allSatisfy(e -> {
        assertThat(e.shadow()).isTrue();
        assertThat(e.status()).hasValue(200);
      });
      assertThat(told).filteredOn(DecisionEvent::refused).hasSize(2)
          .allSatisfy(e -> assertThat(e.reason()).isEqualTo(dev.agentlimiter.api.Reason.RATE_LIMITED));
    }
  }

  @Test
  void shadowModeLetsRefusedRequestsThroughWithTheFields() throws Exception {
    String key = key("shadow", "dns:read");
    try (Apps shadowApps = new Apps(routes(), true, false);
        RunningServer shadow = start(RecordingLimiter.of(engine()), shadowApps)) {
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = get(shadow, "/hello", key);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello");
        assertThat(r.headers().allValues("RateLimit-Policy")).containsExactly("\"burst\";q=3;w=3600");
        assertThat(r.headers().allValues("RateLimit").get(0)).startsWith("\"burst\";r=" + Math.max(0, 2 - i) + ";");
        assertThat(r.headers().allValues("Retry-After")).isEmpty();
      }
      assertThat(shadowApps.invocations("hello")).isEqualTo(5);
    }
  }

  @Test
  void aLimiterThatCannotDecideFailsClosedWith503() throws Exception {
    String key = key("closed", "dns:read");
    try (Apps closedApps = new Apps(routes(), false, false);
        RunningServer closed = start(RecordingLimiter.failing(engine()), closedApps)) {
      HttpResponse<String> unavailable = get(closed, "/hello", key);
      assertThat(unavailable.statusCode()).isEqualTo(503);
      assertThat(unavailable.headers().allValues("Retry-After")).containsExactly("5");
      assertThat(unavailable.headers().allValues("Content-Type")).containsExactly(PROBLEM_JSON);
      assertThat(unavailable.body())
          .isEqualTo(
              "{\"type\":\"" + REDUCED_CAPACITY + "\",\"title\":\"Service Unavailable\",\"status\":503,"
                  + "\"detail\":\"the rate limiter cannot decide right now; retry later\",\"reason\":\"UNAVAILABLE\","
                  + "\"violated-policies\":[],\"retryAfter\":5}");
      assertThat(closedApps.invocations("hello")).isZero();
      assertThat(get(closed, "/plain", key).statusCode()).as("unlimited routes are unaffected").isEqualTo(200);
    }
  }

  @Test
  void aLimiterThatCannotDecideFailsOpenWhenConfigured() throws Exception {
    String key = key("open", "dns:read");
    try (Apps openApps = new Apps(routes(), false, true);
        RunningServer open = start(RecordingLimiter.failing(engine()), openApps)) {
      HttpResponse<String> passed = get(open, "/hello", key);
      assertThat(passed.statusCode()).isEqualTo(200);
      assertThat(passed.body()).isEqualTo("hello");
      assertNoRateLimitFields(passed);
      assertThat(openApps.invocations("hello")).isEqualTo(1);
    }
  }

  @Test
  void routesWithoutAPolicyAreUntouched() throws Exception {
    int before = apps().invocations("plain");
    HttpResponse<String> anonymous = get("/plain", null);
    HttpResponse<String> badKey = get("/plain", "ak_nobody_0123456789abcdef");
    for (HttpResponse<String> r : List.of(anonymous, badKey)) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("plain");
      assertNoRateLimitFields(r);
      assertThat(r.headers().allValues("WWW-Authenticate")).isEmpty();
    }
    assertThat(apps().invocations("plain")).isEqualTo(before + 2);
  }

  @Test
  void annotationsOnTheClassAndItsMethodsAreDiscovered() throws Exception {
    String getter = key("annget", "dns:read");
    for (int remaining = 1; remaining >= 0; remaining--) {
      HttpResponse<String> ok = get("/annotated", getter);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("get");
      assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"cls\";q=2;w=3600");
      assertThat(ok.headers().allValues("RateLimit").get(0)).startsWith("\"cls\";r=" + remaining + ";");
    }
    HttpResponse<String> refused = get("/annotated", getter);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(problem(refused)).containsEntry("violated-policies", List.of(classPolicyName()));

    HttpResponse<String> posted =
        send(request(server(), "/annotated", key("annpost", "dns:read")).POST(BodyPublishers.noBody()).build());
    assertThat(posted.statusCode()).isEqualTo(200);
    assertThat(posted.body()).isEqualTo("post");
    assertThat(posted.headers().allValues("RateLimit-Policy")).containsExactly("\"post\";q=5;w=3600");
    assertThat(posted.headers().allValues("RateLimit").get(0)).startsWith("\"post\";r=4;");
    assertThat(limiter().admin().inspect(agent("annpost"), classPolicy()).get(0).remaining()).isEqualTo(2);

    HttpResponse<String> unscoped =
        send(request(server(), "/annotated", key("annread", "dns:read")).PUT(BodyPublishers.noBody()).build());
    assertThat(unscoped.statusCode()).isEqualTo(403);
    assertThat(problem(unscoped)).containsEntry("cause", "missing-scope").containsEntry("detail", "missing scope 'dns:write'");
    HttpResponse<String> scoped =
        send(request(server(), "/annotated", key("annwrite", "dns:read", "dns:write")).PUT(BodyPublishers.noBody()).build());
    assertThat(scoped.statusCode()).isEqualTo(200);
    assertThat(scoped.body()).isEqualTo("put");
    assertThat(scoped.headers().allValues("RateLimit-Policy")).containsExactly("\"cls\";q=2;w=3600");
    HttpResponse<String> anonymous = get("/annotated", null);
    assertThat(anonymous.statusCode()).as("annotated routes require identity by default").isEqualTo(401);
    assertThat(apps().invocations("annotated")).isEqualTo(4);
  }

  private Policy classPolicy() {
    return policy(classPolicyName(), 2, Duration.ofHours(1), "cls").build();
  }
}
