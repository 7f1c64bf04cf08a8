package dev.agentlimiter.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.ApiKeyHash;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import dev.agentlimiter.core.HttpRequestStub;
import dev.agentlimiter.core.RecordingListener;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.IdentityResolvers.CertificateName;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link AgentLimiter#admit(RequestView, Route)}: rules, identity, credential guard, scopes, tiers, body. */
class HttpGateTest {

  private static final String KEY_FREE = "ak_free_7c1e9b3a5d2f40e8a6c4";
  private static final String KEY_PRO = "ak_pro_2b8d6f0a4c9e17d3b5a0";
  private static final String KEY_REVOKED = "ak_old_9e7c5a3b1d0f2468ace0";
  private static final String KEY_EXPIRED = "ak_exp_1a2b3c4d5e6f7a8b9c0d";

  private static final Policy API =
      Policy.named("api").limit(Limit.capacity(60).refill(60).per(Duration.ofMinutes(1)).named("minute")).build();
  private static final Policy API_PRO =
      Policy.named("api-pro").limit(Limit.capacity(600).refill(600).per(Duration.ofMinutes(1)).named("minute")).build();
  private static final Policy API_ANON =
      Policy.named("api-anonymous").limit(Limit.capacity(5).refill(5).per(Duration.ofMinutes(1)).named("minute")).build();

  private final FakeTimeSource time = new FakeTimeSource(1_000_000_000L);
  private final RecordingListener listener = new RecordingListener();
  private final InMemoryApiKeyStore keys = InMemoryApiKeyStore.create();

  private AgentLimiter limiter() {
    keys.add(KEY_FREE, new AgentIdentity("agent-free", "free", Set.of("dns:read"), IdentitySource.API_KEY));
    keys.add(KEY_PRO, new AgentIdentity("agent-pro", "pro", Set.of("dns:read", "dns:write"), IdentitySource.API_KEY));
    keys.add(KEY_REVOKED, AgentIdentity.of("agent-old", IdentitySource.API_KEY));
    keys.revoke(KEY_REVOKED);
    keys.add(ApiKeyHash.of(KEY_EXPIRED), AgentIdentity.of("agent-exp", IdentitySource.API_KEY), Instant.parse("2020-01-01T00:00:00Z"));
    return AgentLimiters.newBuilder()
        .timeSource(time)
        .listener(listener)
        .identity(
            IdentityResolvers.principal(),
            IdentityResolvers.apiKeys(keys),
            IdentityResolvers.clientCertificate(CertificateName.SUBJECT_CN))
        .tierOverride("pro", API, API_PRO)
        .tierOverride(Route.ANONYMOUS_TIER, API, API_ANON)
        .build();
  }

  private static HttpRequestStub.Builder get(String peer, String key) {
    return HttpRequestStub.get("/v1/zones").peer(peer).header("Authorization", "Bearer " + key);
  }

  private static Decision decide(AgentLimiter limiter, RequestView request, Route route) {
    try (Admission admission = limiter.admit(request, route)) {
      return admission.decision();
    }
  }

  @Test
  void apiKeysIdentifyAndTiersSelectTheirPolicy() {
    AgentLimiter limiter = limiter();
    Route route = Route.of(API);
    try (Admission free = limiter.admit(get("192.0.2.1", KEY_FREE).build(), route)) {
      assertThat(free.decision().isAllowed()).isTrue();
      assertThat(free.agent().map(AgentIdentity::id)).contains("agent-free");
      assertThat(free.decision().limits()).extracting(RateLimitStatus::policy).containsExactly("api");
      assertThat(free.decision().remaining()).isEqualTo(59);
    }
    try (Admission pro = limiter.admit(get("192.0.2.1", KEY_PRO).build(), route)) {
      assertThat(pro.decision().limits()).extracting(RateLimitStatus::policy).containsExactly("api-pro");
      assertThat(pro.decision().remaining()).isEqualTo(599);
    }
  }

  @Test
  void failedCredentialsHaveDistinctCausesButOneDetail() {
    AgentLimiter limiter = limiter();
    Route route = Route.of(API);
    Decision unknown = decide(limiter, get("192.0.2.1", KEY_FREE + "x").build(), route);
    Decision revoked = decide(limiter, get("192.0.2.1", KEY_REVOKED).build(), route);
    Decision expired = decide(limiter, get("192.0.2.1", KEY_EXPIRED).build(), route);
    Decision malformed = decide(limiter, get("192.0.2.1", "short").build(), route);
    Decision missing = decide(limiter, HttpRequestStub.get("/v1/zones").peer("192.0.2.1").build(), route);
    assertThat(List.of(unknown, revoked, expired, malformed, missing))
        .extracting(Decision::reason)
        .containsOnly(Reason.UNAUTHENTICATED);
    assertThat(List.of(unknown, revoked, expired, malformed, missing))
        .extracting(d -> d.cause().orElseThrow())
        .containsExactly("unknown-key", "revoked", "expired", "malformed", "missing-credential");
    assertThat(List.of(unknown, revoked, expired, malformed, missing))
        .extracting(d -> d.detail().orElseThrow())
        .containsOnly("a valid credential is required");
    // the audit trail names the cause and the client address, never an identity the credential claimed
    assertThat(listener.requests.stream().filter(DecisionEvent::refused))
        .extracting(DecisionEvent::agentId, e -> e.cause().orElseThrow())
        .contains(
            org.assertj.core.groups.Tuple.tuple("ip:192.0.2.1", "unknown-key"),
            org.assertj.core.groups.Tuple.tuple("ip:192.0.2.1", "revoked"),
            org.assertj.core.groups.Tuple.tuple("ip:192.0.2.1", "missing-credential"));
  }

  /** Credential stuffing: 20 failures, then the address is refused without checking, until a token returns. */
  @Test
  void failedCredentialsAreLimitedPerClientAddress() {
    AgentLimiter limiter = limiter();
    Route route = Route.of(API);
    for (int i = 0; i < 20; i++) {
      assertThat(decide(limiter, get("198.51.100.7", "ak_guess_" + i + "_0123456789abcdef").build(), route).reason())
          .isEqualTo(Reason.UNAUTHENTICATED);
    }
    Decision limited = decide(limiter, get("198.51.100.7", "ak_guess_20_0123456789abcdef").build(), route);
    assertThat(limited.reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(limited.policy()).contains(AgentLimiters.CREDENTIAL_FAILURES_POLICY);
    assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(3)); // 20 per minute: one every 3 s
    // once refused, even a valid key from that address is not checked: guessing gives no signal
    assertThat(decide(limiter, get("198.51.100.7", KEY_FREE).build(), route).reason()).isEqualTo(Reason.RATE_LIMITED);
    // other addresses are not affected
    assertThat(decide(limiter, get("198.51.100.8", KEY_FREE).build(), route).isAllowed()).isTrue();
    time.advance(Duration.ofSeconds(3).minusNanos(1));
    assertThat(decide(limiter, get("198.51.100.7", KEY_FREE).build(), route).reason()).isEqualTo(Reason.RATE_LIMITED);
    time.advanceNanos(1);
    assertThat(decide(limiter, get("198.51.100.7", KEY_FREE).build(), route).isAllowed()).isTrue();
    assertThat(decide(limiter, get("198.51.100.7", "ak_guess_21_0123456789abcdef").build(), route).reason())
        .isEqualTo(Reason.UNAUTHENTICATED);
    assertThat(decide(limiter, get("198.51.100.7", "ak_guess_22_0123456789abcdef").build(), route).reason())
        .isEqualTo(Reason.RATE_LIMITED);
  }

  /**
   * A flood of random keys from many addresses creates state for the addresses only, one entry each, and
   * none for any identity; with the table 20 times too small it stays bounded and still admits nobody (an
   * address past its 20 failures is refused before its key is checked).
   */
  @Test
  void badCredentialsCreateNoStateForAnyIdentity() {
    for (long maximum : new long[] {100_000, 1_000}) {
      AgentLimiter limiter =
          AgentLimiters.newBuilder()
              .timeSource(time)
              .maximumTrackedAgents(maximum)
              .identity(IdentityResolvers.apiKeys(keys))
              .build();
      Route route = Route.of(API);
      int unauthenticated = 0;
      for (int i = 0; i < 20_000; i++) {
        String peer = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
        Decision d = decide(limiter, get(peer, "ak_random_" + Integer.toHexString(i * 7919) + "_abcdefgh").build(), route);
        assertThat(d.reason()).isIn(Reason.UNAUTHENTICATED, Reason.RATE_LIMITED);
        unauthenticated += d.reason() == Reason.UNAUTHENTICATED ? 1 : 0;
      }
      if (maximum == 100_000) {
        assertThat(unauthenticated).isEqualTo(20_000);
        assertThat(limiter.admin().trackedAgents()).isEqualTo(20_000); // one per address, nothing else
      } else {
        assertThat(limiter.admin().trackedAgents()).isLessThanOrEqualTo(maximum);
      }
      assertThat(limiter.admin().inspect(AgentIdentity.of("agent-free", IdentitySource.API_KEY), API).get(0).remaining())
          .isEqualTo(60);
    }
  }

  @Test
  void anonymousRoutesKeyOnTheClientAddressAndIgnoreSpoofedForwarding() {
    AgentLimiter limiter = limiter();
    Route open = Route.builder().policy(API).allowAnonymous().build();
    try (Admission a =
        limiter.admit(
            HttpRequestStub.get("/v1/zones")
                .peer("203.0.113.9")
                .header("X-Forwarded-For", "1.2.3.4")
                .header("Forwarded", "for=5.6.7.8")
                .header("X-Real-IP", "9.9.9.9")
                .build(),
            open)) {
      assertThat(a.decision().isAllowed()).isTrue();
      AgentIdentity agent = a.agent().orElseThrow();
      assertThat(agent.id()).isEqualTo("ip:203.0.113.9");
      assertThat(agent.tier()).isEqualTo(Route.ANONYMOUS_TIER);
      assertThat(agent.source()).isEqualTo(IdentitySource.IP);
      assertThat(a.decision().limits()).extracting(RateLimitStatus::policy).containsExactly("api-anonymous");
    }
    // a bad credential on an anonymous route is still refused: it never falls through to the address
    assertThat(decide(limiter, get("203.0.113.9", KEY_REVOKED).build(), open).reason())
        .isEqualTo(Reason.UNAUTHENTICATED);
    // and a route that requires identity refuses anonymous callers
    assertThat(decide(limiter, HttpRequestStub.get("/").peer("203.0.113.9").build(), Route.of(API)).cause())
        .contains("missing-credential");
  }

  @Test
  void trustedProxiesResolveTheRightHop() {
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).trustedProxies("10.0.0.0/8").build();
    Route open = Route.builder().policy(API).allowAnonymous().build();
    try (Admission a =
        limiter.admit(
            HttpRequestStub.get("/")
                .peer("10.0.0.5")
                .header("X-Forwarded-For", "6.6.6.6, 198.51.100.20, 10.0.0.9")
                .build(),
            open)) {
      assertThat(a.agent().map(AgentIdentity::id)).contains("ip:198.51.100.20");
    }
  }

  @Test
  void scopesAreRequiredPerRoute() {
    AgentLimiter limiter = limiter();
    Route write = Route.builder().policy(API).requireScope("dns:read").requireScope("dns:write").build();
    Decision free = decide(limiter, get("192.0.2.1", KEY_FREE).build(), write);
    assertThat(free.reason()).isEqualTo(Reason.FORBIDDEN);
    assertThat(free.cause()).contains("missing-scope");
    assertThat(free.detail()).contains("missing scope 'dns:write'");
    assertThat(decide(limiter, get("192.0.2.1", KEY_PRO).build(), write).isAllowed()).isTrue();
    // a scoped route never serves anonymous callers, even if it allows anonymous ones
    Route scopedOpen = Route.builder().policy(API).requireScope("dns:read").allowAnonymous().build();
    assertThat(decide(limiter, HttpRequestStub.get("/").peer("192.0.2.1").build(), scopedOpen).reason())
        .isEqualTo(Reason.UNAUTHENTICATED);
    // a refused scope takes no token
    assertThat(limiter.admin().inspect(AgentIdentity.of("agent-free", IdentitySource.API_KEY), API).get(0).remaining())
        .isEqualTo(60);
  }

  @Test
  void theFirstResolverThatDoesNotAbstainDecides() {
    AgentLimiter limiter = limiter();
    // a container principal comes first, so a (bad) key beside it is not even looked at
    try (Admission a =
        limiter.admit(get("192.0.2.1", KEY_REVOKED).principal("alice").build(), Route.of(API))) {
      assertThat(a.agent().map(AgentIdentity::id)).contains("alice");
      assertThat(a.agent().map(AgentIdentity::source)).contains(IdentitySource.PRINCIPAL);
    }
    // another authorization scheme is not an API key: the key resolver abstains
    assertThat(decide(limiter, HttpRequestStub.get("/").peer("192.0.2.1").header("Authorization", "Basic YWxpY2U6cHc=").build(), Route.of(API)).cause())
        .contains("missing-credential");
  }

  @Test
  void clientCertificatesIdentifyByTheConfiguredName() throws Exception {
    X509Certificate cert = certificate("agent-1.pem");
    for (CertificateName name : CertificateName.values()) {
      AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).identity(IdentityResolvers.clientCertificate(name)).build();
      try (Admission a = limiter.admit(HttpRequestStub.get("/").peer("192.0.2.1").clientCertificates(cert).build(), Route.of(API))) {
        String expected =
            switch (name) {
              case SUBJECT_CN -> "agent-1";
              case SAN_DNS -> "agent-1.agents.example";
              case SAN_URI -> "spiffe://example.org/agent/1";
              case SAN_EMAIL -> "agent-1@agents.example";
            };
        assertThat(a.agent().map(AgentIdentity::id)).as(name.name()).contains(expected);
        assertThat(a.agent().map(AgentIdentity::source)).contains(IdentitySource.MTLS);
      }
    }
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).identity(IdentityResolvers.clientCertificate(CertificateName.SAN_DNS)).build();
    Decision nameless =
        decide(limiter, HttpRequestStub.get("/").peer("192.0.2.1").clientCertificates(certificate("no-names.pem")).build(), Route.of(API));
    assertThat(nameless.cause()).contains(IdentityResolvers.NO_CERTIFICATE_NAME);
  }

  @Test
  void aResolverThatThrowsRefusesTheRequestWithoutThrowing() {
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(time)
            .identity(
                request -> {
                  throw new IllegalStateException("user store down");
                })
            .build();
    Decision d = decide(limiter, HttpRequestStub.get("/").peer("192.0.2.1").build(), Route.of(API));
    assertThat(d.reason()).isEqualTo(Reason.UNAUTHENTICATED);
    assertThat(d.cause()).contains("resolver-error");
  }

  @Test
  void headerRulesRunBeforeIdentitySoABadShapeChargesNoCredentialFailure() {
    AgentLimiter limiter = limiter();
    Route route = Route.builder().policy(API).rules(RequestRules.builder().requireHeader("X-Task-Id").build()).build();
    for (int i = 0; i < 50; i++) {
      Decision d = decide(limiter, get("192.0.2.1", "ak_guess_" + i + "_0123456789abcdef").build(), route);
      assertThat(d.reason()).isEqualTo(Reason.INVALID_REQUEST);
      assertThat(d.cause()).contains(Decision.CAUSE_MISSING_HEADER);
    }
    // no failure was charged to the address
    assertThat(decide(limiter, get("192.0.2.1", KEY_FREE).header("X-Task-Id", "t1").build(), route).isAllowed()).isTrue();
  }

  @Test
  void theBodyIsCheckedAfterIdentityAndReplayedToTheApplication() throws IOException {
    AgentLimiter limiter = limiter();
    Route route =
        Route.builder()
            .policy(API)
            .rules(RequestRules.builder().allowContentType("application/json").maxBodyBytes(64).json().build())
            .build();
    String body = "{\"zone\":\"example.org\",\"ttl\":300}";
    try (Admission a =
        limiter.admit(
            HttpRequestStub.post("/v1/zones").peer("192.0.2.1").header("Authorization", "Bearer " + KEY_FREE)
                .header("Content-Type", "application/json").body(body).build(),
            route)) {
      assertThat(a.decision().isAllowed()).isTrue();
      try (InputStream replay = a.replayBody().orElseThrow()) {
        assertThat(new String(replay.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(body);
      }
    }
    Decision duplicate =
        decide(limiter, HttpRequestStub.post("/v1/zones").peer("192.0.2.1").header("Authorization", "Bearer " + KEY_FREE)
            .header("Content-Type", "application/json").body("{\"a\":1,\"a\":2}").build(), route);
    assertThat(duplicate.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(duplicate.cause()).contains("malformed-json.duplicate-key");
    assertThat(duplicate.detail().orElseThrow()).contains("line 1, column").doesNotContain("\"a\"");
    // an unauthenticated caller never gets its body read
    HttpRequestStub anonymous = HttpRequestStub.post("/v1/zones").peer("192.0.2.1").header("Content-Type", "application/json").body(body).build();
    assertThat(decide(limiter, anonymous, route).reason()).isEqualTo(Reason.UNAUTHENTICATED);
    assertThat(anonymous.bodyOpens()).isZero();
    // a route with no body rule and no loop detection never opens the body
    HttpRequestStub plain = get("192.0.2.1", KEY_FREE).body(body).build();
    try (Admission a = limiter.admit(plain, Route.of(API))) {
      assertThat(a.replayBody()).isEmpty();
    }
    assertThat(plain.bodyOpens()).isZero();
  }

  @Test
  void loopDetectionFingerprintsTheBodyWithoutConsumingIt() throws IOException {
    Policy looped =
        Policy.named("tasks")
            .limit(Limit.capacity(100).refill(100).per(Duration.ofMinutes(1)).named("minute"))
            .loopDetection(LoopDetection.after(3).within(Duration.ofMinutes(1)))
            .build();
    AgentLimiter limiter = limiter();
    Route route = Route.of(looped);
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      try (Admission a = limiter.admit(get("192.0.2.1", KEY_FREE).method("POST").body("{\"task\":1}").build(), route)) {
        reasons.add(a.decision().reason());
        if (a.decision().isAllowed()) {
          try (InputStream replay = a.replayBody().orElseThrow()) {
            assertThat(new String(replay.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"task\":1}");
          }
        }
      }
    }
    assertThat(reasons).containsExactly(Reason.ALLOWED, Reason.ALLOWED, Reason.ALLOWED, Reason.LOOP_DETECTED, Reason.LOOP_DETECTED);
    // a different body is a different request
    assertThat(decide(limiter, get("192.0.2.1", KEY_FREE).method("POST").body("{\"task\":2}").build(), route).isAllowed()).isTrue();
  }

  /** Sixteen threads: attackers with bad keys on their own addresses never cost an honest agent a request. */
  @Test
  void concurrentStuffingNeverDeniesHonestAgents() throws InterruptedException {
    AgentLimiter limiter = limiter();
    Route route = Route.of(API_PRO); // 600 per minute
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger honestDenied = new AtomicInteger();
    AtomicInteger attackerAdmitted = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int id = t;
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (int i = 0; i < 500; i++) {
                  if (id % 4 == 0 && i < 30) {
                    Decision d = decide(limiter, get("192.0.2.100", KEY_PRO).build(), route);
                    if (!d.isAllowed()) {
                      honestDenied.incrementAndGet();
                    }
                  } else {
                    Decision d = decide(limiter, get("198.51.100." + id, "ak_stuff_" + id + "_" + i + "_0123456789").build(), route);
                    if (d.isAllowed()) {
                      attackerAdmitted.incrementAndGet();
                    }
                  }
                }
              });
      threads.add(thread);
      thread.start();
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(honestDenied.get()).isZero();
    assertThat(attackerAdmitted.get()).isZero();
    assertThat(listener.requests.stream().filter(e -> e.refused() && e.policies().isEmpty()))
        .extracting(DecisionEvent::agentId)
        .allMatch(id -> id.startsWith("ip:198.51.100."));
  }

  static X509Certificate certificate(String resource) throws CertificateException, IOException {
    try (InputStream in = Objects.requireNonNull(HttpGateTest.class.getResourceAsStream("/certs/" + resource))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

}
