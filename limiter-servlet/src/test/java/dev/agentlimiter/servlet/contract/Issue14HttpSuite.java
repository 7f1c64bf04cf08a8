package dev.agentlimiter.servlet.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.QuarantineStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.api.TimeSource;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.jwt.JwtIdentityResolver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's HTTP-level items over real HTTP, on every adapter: the credential-failure guard (item 1), polling
 * versus retry loops (item 8) and the reason a quarantine is refused with (item 9). Each case builds its own
 * limiter on a fake clock and starts its own server with {@link #start}, in front of the application {@link
 * App} describes:
 *
 * <ul>
 *   <li>{@code GET /jobs/{id}}: answers {@code job <id>} as {@code text/plain}, counted under {@code
 *       jobs/<id>}; for the id {@value #HELD} it first signals {@link App#arrivals} and holds until {@link
 *       App#release} opens;
 *   <li>{@code GET /v1/orders}: answers {@code orders}, counted under {@code orders};
 *   <li>{@code POST /tasks}: reads the body and answers {@link #echo}, counted under {@code tasks}.
 * </ul>
 *
 * The guard, polling and quarantine-reason cases fail on the code before the fix (b1406e8); the 50
 * concurrent GETs pass there too, guarding against a fix that lets safe methods loop freely. Two cases are
 * disabled: they show defects found while writing this suite, on every adapter alike (see each).
 */
public abstract class Issue14HttpSuite {

  /** The job id whose {@code GET} holds until {@link App#release} opens. */
  public static final String HELD = "held";

  private static final String QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";
  private static final String ABNORMAL_USAGE =
      "https://iana.org/assignments/http-problem-types#abnormal-usage-detected";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String VALID_KEY = "ak_valid_7c1e9b3a5d2f40e8a6c4";
  private static final Instant EPOCH = Instant.parse("2030-01-01T00:00:00Z");
  private static final String ISSUER = "https://issuer.example";
  private static final String AUDIENCE = "orders-api";

  /** Plenty for one agent: only the guard refuses in the credential cases. */
  private static final Policy ORDERS =
      Policy.named("orders").limit(Limit.capacity(100_000).refill(100_000).per(Duration.ofSeconds(1))).build();

  /** Item 8: the threat-defence policy the docs show at a glance, on the polled URL for every method. */
  private static final Policy JOBS =
      Policy.named("jobs")
          .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"))
          .loopDetection(LoopDetection.after(5).within(Duration.ofSeconds(10)))
          .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
          .build();

  /** Item 9: A detects loops and puts the agent in lane {@code payments}' box at once. */
  private static final Policy A =
      Policy.named("A")
          .lane("payments")
          .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
          .loopDetection(LoopDetection.after(1).within(Duration.ofMinutes(1)))
          .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
          .build();

  /** B, in A's lane, with a box rule of its own (as in {@code Issue14QuarantineReasonTest}). */
  private static final Policy B =
      Policy.named("B")
          .lane("payments")
          .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
          .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
          .build();

  /** B without any defence: only a limit, in A's lane. */
  private static final Policy PLAIN_B =
      Policy.named("B").lane("payments").limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1))).build();

  private static final RSAKey SIGNING = rsa("issuer-1");

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * Starts a server on 127.0.0.1, an ephemeral port, with the adapter in front of the application {@code
   * app} describes, configured with exactly {@code routes} (and no annotated routes).
   */
  protected abstract RunningServer start(AgentLimiter limiter, List<Apps.RouteSpec> routes, App app)
      throws Exception;

  /**
   * The application's state, shared by its endpoints and the test: invocation counters and the latch that
   * holds {@code GET /jobs/held}. One instance per started server; closing it opens the latch.
   */
  public static final class App implements AutoCloseable {
    private final ConcurrentHashMap<String, AtomicInteger> invocations = new ConcurrentHashMap<>();

    /** Opens every held {@code GET /jobs/held}. */
    public final CountDownLatch release = new CountDownLatch(1);

    /** Released once by each {@code GET /jobs/held} when it starts holding (and by the test for answers). */
    public final Semaphore arrivals = new Semaphore(0);

    /** {@code GET /jobs/{id}}: the body to answer, after holding if {@code id} is {@value #HELD}. */
    public String job(String id) throws InterruptedException {
      invoked("jobs/" + id);
      if (HELD.equals(id)) {
        arrivals.release();
        if (!release.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          throw new IllegalStateException("never released");
        }
      }
      return "job " + id;
    }

    /** {@code GET /v1/orders}: the body to answer. */
    public String orders() {
      invoked("orders");
      return "orders";
    }

    /** {@code POST /tasks}: the body to answer for the request body {@code body}. */
    public String task(byte[] body) {
      invoked("tasks");
      return echo(body);
    }

    private void invoked(String name) {
      invocations.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
    }

    /** How often the application was invoked under {@code name}. */
    public int invocations(String name) {
      AtomicInteger n = invocations.get(name);
      return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
      release.countDown();
    }
  }

  /** What {@code POST /tasks} answers for {@code body}: its size and SHA-256. */
  public static String echo(byte[] body) {
    try {
      String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
      return "{\"bytes\":" + body.length + ",\"sha256\":\"" + hash + "\"}";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- item 1: the credential-failure guard

  @Test
  void theCredentialGuardRunsBeforeAnyApiKeyIsChecked() throws Exception {
    InMemoryApiKeyStore keys =
        InMemoryApiKeyStore.create().add(VALID_KEY, AgentIdentity.of("agent-7", IdentitySource.API_KEY));
    credentialGuard(
        new Credentials() {
          @Override
          public IdentityResolver resolver(FakeTime time) {
            return IdentityResolvers.apiKeys(keys);
          }

          @Override
          public String valid() {
            return VALID_KEY;
          }

          @Override
          public String wrong(int n) {
            return String.format(Locale.ROOT, "ak_wrong_%020d", n); // well formed, not in the store
          }
        },
        List.of(IdentityResolvers.UNKNOWN_KEY));
  }

  /**
   * As for API keys, with bearer JWTs: two in five wrong guesses are validly signed but expired, the others
   * carry a forged signature. The expired ones count as rejected credentials: without them the first 20
   * would leave the valid token 8 checks to spare.
   */
  @Test
  void theCredentialGuardRunsBeforeAnyJwtIsChecked() throws Exception {
    String valid = jwt(claims("agent-7", EPOCH.plus(Duration.ofHours(2))).build());
    List<String> expired = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      expired.add(jwt(claims("agent-" + i, EPOCH.minus(Duration.ofHours(1))).jwtID("expired-" + i).build()));
    }
    String[] parts = valid.split("\\.", -1);
    credentialGuard(
        new Credentials() {
          @Override
          public IdentityResolver resolver(FakeTime time) {
            return JwtIdentityResolver.newBuilder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .allowedAlgorithms("RS256")
                .keys(new JWKSet(SIGNING.toPublicJWK()).toString())
                .clock(time.clock())
                .build();
          }

          @Override
          public String valid() {
            return valid;
          }

          @Override
          public String wrong(int n) {
            if (n % 5 < 2) {
              return expired.get(n % expired.size());
            }
            // a claims set of its own under the valid token's header and signature: a forgery
            String payload =
                claims("agent-7", EPOCH.plus(Duration.ofHours(2))).jwtID("guess-" + n).build().toString();
            return parts[0] + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
          }
        },
        List.of(JwtIdentityResolver.BAD_SIGNATURE, JwtIdentityResolver.EXPIRED));
  }

  /** One way of presenting credentials: the resolver that checks them, the valid one, and wrong guesses. */
  private interface Credentials {
    IdentityResolver resolver(FakeTime time);

    String valid();

    String wrong(int n);
  }

  /**
   * 20 wrong credentials from 127.0.0.1 are refused 401 each; the valid one then is refused 429 by {@value
   * AgentLimiters#CREDENTIAL_FAILURES_POLICY} without being checked (20 checks in all). Then an hour of fake
   * time: a wrong guess every 500 ms (7,200) and the valid credential every 10 s (360). The rejected
   * credentials checked are at most the default allowance, 20 + 20 a minute (1,220 in the hour, 40 in any
   * minute), and no request refused 429 was checked at all. Before the fix, the valid credential was checked
   * and served (21 checks), and the hour checked 2,420 rejected credentials, up to 60 in a minute, each
   * 429 among them after a check (measured on Jetty with API keys): only a failure's own charge listed the
   * address as refused.
   */
  private void credentialGuard(Credentials credentials, List<String> rejectionCauses) throws Exception {
    FakeTime time = new FakeTime();
    IdentityResolver inner = credentials.resolver(time);
    AtomicInteger checks = new AtomicInteger();
    ConcurrentLinkedQueue<Long> rejectedAt = new ConcurrentLinkedQueue<>();
    Map<String, Integer> causes = new ConcurrentHashMap<>();
    IdentityResolver counting =
        request -> {
          checks.incrementAndGet();
          IdentityResult result = inner.resolve(request);
          if (result instanceof IdentityResult.Rejected rejected) {
            rejectedAt.add(time.read());
            causes.merge(rejected.cause(), 1, Integer::sum);
          }
          return result;
        };
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).identity(counting).build();
    try (App app = new App();
        RunningServer server = start(limiter, List.of(new Apps.RouteSpec(null, "/v1/orders", Route.of(ORDERS))), app)) {
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> wrong = get(server, "/v1/orders", credentials.wrong(i));
        assertThat(wrong.statusCode()).as("wrong credential %s", i).isEqualTo(401);
      }
      assertThat(checks).hasValue(20);
      assertThat(causes.keySet()).as("rejection causes").containsExactlyInAnyOrderElementsOf(rejectionCauses);

      HttpResponse<String> right = get(server, "/v1/orders", credentials.valid());
      assertThat(right.statusCode()).as("the valid credential from an exhausted address").isEqualTo(429);
      assertThat(right.headers().allValues("Retry-After")).containsExactly("3"); // one token of 20 a minute
      assertThat(problem(right))
          .containsEntry("type", QUOTA_EXCEEDED)
          .containsEntry("reason", "RATE_LIMITED")
          .containsEntry("violated-policies", List.of(AgentLimiters.CREDENTIAL_FAILURES_POLICY))
          .containsEntry("retryAfter", 3L);
      assertThat(checks).as("resolver calls: the valid credential was not checked").hasValue(20);
      assertThat(app.invocations("orders")).isZero();

      // an hour of guessing from the same address, beside the valid credential every 10 s
      Map<String, Integer> statuses = new TreeMap<>();
      int guess = 20;
      for (int step = 1; step <= 7_200; step++) {
        time.advance(Duration.ofMillis(500));
        String credential = credentials.wrong(guess++);
        int before = checks.get();
        HttpResponse<String> r = get(server, "/v1/orders", credential);
        statuses.merge("wrong " + r.statusCode(), 1, Integer::sum);
        assertCheckedUnlessRefused(r, checks.get() - before, 401, step);
        if (step % 20 == 0) {
          before = checks.get();
          HttpResponse<String> v = get(server, "/v1/orders", credentials.valid());
          statuses.merge("valid " + v.statusCode(), 1, Integer::sum);
          assertCheckedUnlessRefused(v, checks.get() - before, 200, step);
        }
      }
      List<Long> rejected = new ArrayList<>(rejectedAt);
      assertThat(rejected.size())
          .as("rejected credentials checked in the hour, of 7,220 wrong ones sent; %s", statuses)
          .isLessThanOrEqualTo(20 + 20 * 60)
          .isGreaterThanOrEqualTo(20 + 20 * 60 - 20); // and the address keeps its allowance
      assertThat(maxInWindow(rejected, Duration.ofMinutes(1)))
          .as("rejected credentials checked in any one minute")
          .isLessThanOrEqualTo(40);
      assertThat(causes.keySet()).containsExactlyInAnyOrderElementsOf(rejectionCauses);
      assertThat(app.invocations("orders")).isEqualTo(statuses.getOrDefault("valid 200", 0));
    }
  }

  /**
   * 21 requests from one address, all with the valid key, while the resolver is slow (a remote key store, a
   * JWKS fetch): 20 are in the resolver at once when the 21st arrives. No credential failed, so none may be
   * refused as a failure, and all 21 are served once the resolver answers. (A first version of the issue 14
   * guard reserved a token for every check, so 20 checks in flight emptied the bucket and the 21st valid key
   * was refused 429 {@code invalid-credentials}; this test found it on every adapter. Now only an address
   * with a failure on record reserves.)
   */
  @Test
  void validCredentialsBeingCheckedAtOnceAreNeverRefusedAsFailures() throws Exception {
    InMemoryApiKeyStore keys =
        InMemoryApiKeyStore.create().add(VALID_KEY, AgentIdentity.of("agent-7", IdentitySource.API_KEY));
    IdentityResolver apiKeys = IdentityResolvers.apiKeys(keys);
    CountDownLatch answer = new CountDownLatch(1);
    Semaphore arrivals = new Semaphore(0); // a request entered the resolver, or was answered
    IdentityResolver slow =
        request -> {
          arrivals.release();
          try {
            if (!answer.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
              throw new IllegalStateException("never answered");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
          return apiKeys.resolve(request);
        };
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(new FakeTime()).identity(slow).build();
    try (App app = new App();
        RunningServer server = start(limiter, List.of(new Apps.RouteSpec(null, "/v1/orders", Route.of(ORDERS))), app)) {
      List<CompletableFuture<HttpResponse<String>>> signalled = new ArrayList<>(); // done after the arrival
      for (int i = 0; i < 21; i++) {
        if (i == 20) {
          assertThat(arrivals.tryAcquire(20, TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("20 in the resolver").isTrue();
        }
        signalled.add(
            http.sendAsync(request(server, "/v1/orders", VALID_KEY).GET().build(), BodyHandlers.ofString())
                .whenComplete((r, e) -> arrivals.release()));
      }
      assertThat(arrivals.tryAcquire(1, TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the 21st checked or answered").isTrue();
      answer.countDown();
      List<String> refusals = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> f : signalled) {
        HttpResponse<String> r = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (r.statusCode() != 200) {
          refusals.add(r.statusCode() + " " + r.body());
        }
      }
      assertThat(refusals).as("valid keys refused").isEmpty();
      assertThat(app.invocations("orders")).isEqualTo(21);
    }
  }

  /** A 429 was refused by the guard without a check; anything else was checked exactly once. */
  private static void assertCheckedUnlessRefused(HttpResponse<String> r, int checked, int otherwise, int step)
      throws IOException {
    if (r.statusCode() == 429) {
      assertThat(checked).as("resolver calls for a refused request at step %s", step).isZero();
      assertThat(problem(r)).containsEntry("violated-policies", List.of(AgentLimiters.CREDENTIAL_FAILURES_POLICY));
    } else {
      assertThat(r.statusCode()).as("status at step %s", step).isEqualTo(otherwise);
      assertThat(checked).as("resolver calls at step %s", step).isEqualTo(1);
    }
  }

  /** The most of {@code times} (nanos) within any closed window of length {@code window}. */
  private static int maxInWindow(List<Long> times, Duration window) {
    List<Long> sorted = new ArrayList<>(times);
    sorted.sort(null);
    int most = 0;
    int from = 0;
    for (int to = 0; to < sorted.size(); to++) {
      while (sorted.get(to) - sorted.get(from) > window.toNanos()) {
        from++;
      }
      most = Math.max(most, to - from + 1);
    }
    return most;
  }

  // ---------------------------------------------------------------- item 8: polling is not a loop

  /**
   * An agent polling {@code GET /jobs/42} every 200 ms of fake time, 400 times, each after the previous
   * answer, is always served: never {@code LOOP_DETECTED}, never quarantined. Before the fix, its sixth
   * poll was refused as a loop and the agent was boxed for a minute.
   */
  @Test
  void aPatientPollerIsNeverTakenForALoop() throws Exception {
    FakeTime time = new FakeTime();
    AgentLimiter limiter = agentKeyLimiter(time);
    try (App app = new App();
        RunningServer server = start(limiter, List.of(new Apps.RouteSpec(null, "/jobs/*", Route.of(JOBS))), app)) {
      Map<Integer, Integer> statuses = new TreeMap<>();
      List<String> refusals = new ArrayList<>(); // the first few
      for (int poll = 0; poll < 400; poll++) {
        HttpResponse<String> r = get(server, "/jobs/42", VALID_KEY);
        statuses.merge(r.statusCode(), 1, Integer::sum);
        if (r.statusCode() == 200) {
          assertThat(r.body()).isEqualTo("job 42");
          time.advance(Duration.ofMillis(200));
        } else {
          if (refusals.size() < 3) {
            refusals.add("poll " + poll + ": " + r.statusCode() + " " + r.body());
          }
          // honour the refusal as a patient agent would
          time.advance(Duration.ofSeconds(Math.max(1, Long.parseLong(r.headers().firstValue("Retry-After").orElse("1")))));
        }
      }
      assertThat(refusals).as("refusals of a patient poller, the first few; statuses %s", statuses).isEmpty();
      assertThat(statuses).containsExactly(Map.entry(200, 400));
      assertThat(limiter.admin().quarantined()).isEmpty();
      assertThat(app.invocations("jobs/42")).isEqualTo(400);
    }
  }

  /**
   * 50 identical {@code GET /jobs/held} from one agent at once, all in flight together (the application
   * holds the ones it is given): a retry storm. At least 44 are refused 429 as a loop or by the box they
   * put the agent in, and the application sees at most 5; all of that before any is answered. This held
   * before the fix too: it guards against a fix that lets safe methods loop freely.
   */
  @Test
  void fiftyIdenticalConcurrentGetsAreStillALoop() throws Exception {
    FakeTime time = new FakeTime();
    AgentLimiter limiter = agentKeyLimiter(time);
    try (App app = new App();
        RunningServer server = start(limiter, List.of(new Apps.RouteSpec(null, "/jobs/*", Route.of(JOBS))), app)) {
      List<CompletableFuture<HttpResponse<String>>> storm = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> signalled = new ArrayList<>(); // done after the arrival
      for (int i = 0; i < 50; i++) {
        CompletableFuture<HttpResponse<String>> f =
            http.sendAsync(request(server, "/jobs/" + HELD, VALID_KEY).GET().build(), BodyHandlers.ofString());
        storm.add(f);
        signalled.add(f.whenComplete((r, e) -> app.arrivals.release()));
      }
      // every request has either been answered or is held by the application: none is still undecided
      assertThat(app.arrivals.tryAcquire(50, TIMEOUT.toSeconds(), TimeUnit.SECONDS))
          .as("50 requests answered or held; held: %s", app.invocations("jobs/" + HELD))
          .isTrue();
      int held = app.invocations("jobs/" + HELD);
      List<String> reasons = new ArrayList<>();
      int refused = 0;
      for (CompletableFuture<HttpResponse<String>> f : storm) {
        if (f.isDone()) {
          HttpResponse<String> r = f.join();
          assertThat(r.statusCode()).as("answered while the application holds: %s", r.body()).isEqualTo(429);
          Map<String, Object> problem = problem(r);
          assertThat(problem).containsEntry("type", ABNORMAL_USAGE).containsEntry("violated-policies", List.of("jobs"));
          reasons.add(String.valueOf(problem.get("reason")));
          assertThat(r.headers().firstValue("Retry-After")).isPresent();
          refused++;
        }
      }
      assertThat(held).as("requests the application saw").isBetween(1, 5);
      assertThat(refused).as("refused before any was answered").isEqualTo(50 - held).isGreaterThanOrEqualTo(44);
      assertThat(reasons).containsOnly("LOOP_DETECTED", "QUARANTINED").contains("LOOP_DETECTED");
      app.release.countDown();
      for (CompletableFuture<HttpResponse<String>> f : signalled) {
        HttpResponse<String> r = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.statusCode()).isIn(200, 429);
      }
      assertThat(storm.stream().filter(f -> f.join().statusCode() == 200).count()).isEqualTo(held);
      assertThat(limiter.admin().quarantined()).hasSize(1);
    }
  }

  // ---------------------------------------------------------------- item 9: the quarantine's reason

  /**
   * The agent loops on {@code POST /tasks} (policy A, lane {@code payments}) and is boxed; 15 s later its
   * {@code GET /v1/orders} (policy B, same lane) is refused naming A, the cause {@code loop-detected}, the
   * lane, and the remaining 45 s. Before the fix the refusal named B and no cause.
   */
  @Test
  void aQuarantineRefusalNamesThePolicyThatBoxedTheAgentAndWhy() throws Exception {
    quarantinedOnAnotherRoute(B);
  }

  /**
   * As {@link #aQuarantineRefusalNamesThePolicyThatBoxedTheAgentAndWhy}, with B a plain policy (a limit,
   * no defence). The box is the lane's ({@code Quarantine}'s contract: "a quarantined agent's requests in
   * the lane are refused with QUARANTINED before any bucket is touched"), so B's route must refuse too.
   * It did not, on every adapter, until the engine's fast path for policies without defences ({@code
   * Engine.decideWithoutEvent}) consulted the lane's box too: it was served 200.
   */
  @Test
  void aPlainPolicyInABoxedLaneIsRefusedToo() throws Exception {
    quarantinedOnAnotherRoute(PLAIN_B);
  }

  private void quarantinedOnAnotherRoute(Policy b) throws Exception {
    FakeTime time = new FakeTime();
    AgentLimiter limiter = agentKeyLimiter(time);
    List<Apps.RouteSpec> routes =
        List.of(new Apps.RouteSpec("POST", "/tasks", Route.of(A)), new Apps.RouteSpec(null, "/v1/orders", Route.of(b)));
    try (App app = new App(); RunningServer server = start(limiter, routes, app)) {
      byte[] body = "{\"task\":\"charge\",\"order\":1}".getBytes(StandardCharsets.UTF_8);
      HttpResponse<String> first = post(server, "/tasks", VALID_KEY, body);
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.body()).isEqualTo(echo(body));
      HttpResponse<String> again = post(server, "/tasks", VALID_KEY, body);
      assertThat(again.statusCode()).isEqualTo(429);
      assertThat(problem(again)).containsEntry("reason", "LOOP_DETECTED").containsEntry("violated-policies", List.of("A"));

      time.advance(Duration.ofSeconds(15));
      List<QuarantineStatus> boxed = limiter.admin().quarantined();
      assertThat(boxed).hasSize(1);
      assertThat(boxed.get(0).lane()).isEqualTo("payments");
      assertThat(boxed.get(0).cause()).isEqualTo(Reason.LOOP_DETECTED);
      long remaining = ceilSeconds(boxed.get(0).remaining());

      HttpResponse<String> onB = get(server, "/v1/orders", VALID_KEY);
      assertThat(onB.statusCode())
          .as("GET on %s's route, 15 s into the agent's quarantine in its lane: %s", b.name(), onB.body())
          .isEqualTo(429);
      assertThat(onB.headers().allValues("Retry-After")).containsExactly(Long.toString(remaining)).containsExactly("45");
      Map<String, Object> problem = problem(onB);
      assertThat(problem)
          .containsEntry("type", ABNORMAL_USAGE)
          .containsEntry("reason", "QUARANTINED")
          .containsEntry("violated-policies", List.of("A"))
          .containsEntry("cause", "loop-detected")
          .containsEntry("retryAfter", remaining);
      assertThat((String) problem.get("detail")).contains("lane '").contains("lane 'payments'").contains("policy 'A'");
      assertThat(onB.body()).doesNotContain("\"B\"");
      assertThat(app.invocations("orders")).isZero();
      assertThat(app.invocations("tasks")).isEqualTo(1);
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * A limiter on {@code time} that knows one agent, by the API key {@link #VALID_KEY}, with the default
   * credential guard: the loop and quarantine cases also show that an agent presenting only its valid key,
   * 50 requests at once included, is never refused by the guard.
   */
  private static AgentLimiter agentKeyLimiter(FakeTime time) {
    InMemoryApiKeyStore keys =
        InMemoryApiKeyStore.create().add(VALID_KEY, AgentIdentity.of("agent-7", IdentitySource.API_KEY));
    return AgentLimiters.newBuilder()
        .timeSource(time)
        .identity(IdentityResolvers.apiKeys(keys))
        .build();
  }

  private static long ceilSeconds(Duration d) {
    long nanos = d.toNanos();
    return (nanos + 999_999_999L) / 1_000_000_000L;
  }

  private HttpRequest.Builder request(RunningServer server, String path, String credential) {
    return HttpRequest.newBuilder(URI.create(server.baseUri() + path))
        .timeout(TIMEOUT)
        .header("Authorization", "Bearer " + credential);
  }

  private HttpResponse<String> get(RunningServer server, String path, String credential)
      throws IOException, InterruptedException {
    return http.send(request(server, path, credential).GET().build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> post(RunningServer server, String path, String credential, byte[] body)
      throws IOException, InterruptedException {
    return http.send(
        request(server, path, credential)
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofByteArray(body))
            .build(),
        BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** The members of a problem body, read as the contract suite reads them. */
  private static Map<String, Object> problem(HttpResponse<String> response) throws IOException {
    return ContractSuite.problem(response);
  }

  private static JWTClaimsSet.Builder claims(String subject, Instant expires) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject(subject)
        .issueTime(Date.from(EPOCH.minus(Duration.ofHours(2))))
        .expirationTime(Date.from(expires));
  }

  private static String jwt(JWTClaimsSet claims) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(SIGNING.getKeyID()).type(JOSEObjectType.JWT).build(),
              claims);
      jwt.sign(new RSASSASigner(SIGNING));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RSAKey rsa(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Engine time, advanced by the test; and the same time as a wall clock from {@link #EPOCH}, for JWTs. */
  private static final class FakeTime implements TimeSource {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long read() {
      return nanos.get();
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }

    Clock clock() {
      return new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
          return EPOCH.plusNanos(nanos.get());
        }
      };
    }
  }
}
