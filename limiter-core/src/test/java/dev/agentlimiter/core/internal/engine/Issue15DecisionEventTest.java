package dev.agentlimiter.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Offender;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import dev.agentlimiter.core.HttpRequestStub;
import dev.agentlimiter.core.RecordingListener;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: exactly one decision event per request, for every outcome, told when the request ends. Before,
 * refusals before the policies (400/401/403/413/415 and the credential-failure 429) never reached {@code
 * onDecision}, and admissions were told when decided, not when they ended.
 */
class Issue15DecisionEventTest {

  private static final String KEY = "ak_events_2b7d9f1c4e6a8035";
  private static final String UNSCOPED_KEY = "ak_unscoped_5e1a7c3b9d2f4680";
  private static final FakeTimeSource TIME = new FakeTimeSource(42);

  private static final Policy LIMITED =
      Policy.named("orders")
          .limit(Limit.capacity(2).refill(2).per(Duration.ofMinutes(1)).named("burst"))
          .lane("inbound")
          .build();
  private static final Policy CAPPED =
      Policy.named("capped")
          .limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1)))
          .concurrency(ConcurrencyLimit.of(1))
          .build();
  private static final Policy LOOPS =
      Policy.named("looping")
          .limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1)))
          .loopDetection(LoopDetection.after(2).within(Duration.ofSeconds(10)))
          .quarantine(Quarantine.after(1).within(Duration.ofMinutes(1)))
          .lane("egress")
          .build();

  private final RecordingListener listener = new RecordingListener();
  private final AgentLimiter limiter =
      AgentLimiters.newBuilder()
          .timeSource(TIME)
          .listener(listener)
          .identity(
              IdentityResolvers.apiKeys(
                  InMemoryApiKeyStore.create()
                      .add(KEY, new AgentIdentity("agent-7", "pro", Set.of("orders:write"), IdentitySource.API_KEY))
                      .add(UNSCOPED_KEY, AgentIdentity.of("agent-8", IdentitySource.API_KEY))))
          .build();

  private static HttpRequestStub.Builder get(String key) {
    return HttpRequestStub.get("/orders/17").peer("192.0.2.7").header("Authorization", "Bearer " + key);
  }

  /** Admits, ends with {@code status}, and returns the one event the request produced. */
  private DecisionEvent one(RequestView request, Route route, int status) {
    int before = listener.requests.size();
    Exchange x = ((Limiter) limiter).admit(request, route, "/orders/*", false);
    assertThat(listener.requests).as("nothing told before the request ends").hasSize(before);
    x.end(status, Outcome.ofStatus(status));
    x.close(); // a second end tells nothing
    assertThat(listener.requests).as("exactly one event").hasSize(before + 1);
    return List.copyOf(listener.requests).get(before);
  }

  @Test
  void everyOutcomeOverHttpIsToldOnceWithItsFields() {
    Route orders = Route.builder().policy(LIMITED).requireScope("orders:write").build();
    DecisionEvent allowed =
        one(get(KEY).header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").build(), orders, 201);
    assertThat(allowed.reason()).isEqualTo(Reason.ALLOWED);
    assertThat(allowed.agentId()).isEqualTo("agent-7");
    assertThat(allowed.identitySource()).hasValue(IdentitySource.API_KEY);
    assertThat(allowed.tier()).hasValue("pro");
    assertThat(allowed.method()).hasValue("GET");
    assertThat(allowed.route()).hasValue("/orders/*");
    assertThat(allowed.path()).hasValue("/orders/17");
    assertThat(allowed.clientAddress()).hasValue("192.0.2.7");
    assertThat(allowed.policies()).containsExactly("orders");
    assertThat(allowed.lanes()).containsExactly("inbound");
    assertThat(allowed.status()).hasValue(201);
    assertThat(allowed.requestId()).hasValue("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(allowed.shadow()).isFalse();
    assertThat(allowed.decision().limits()).extracting(l -> l.remaining()).containsExactly(1L);
    assertThat(allowed.toString()).doesNotContain(KEY);

    one(get(KEY).build(), orders, 200);
    DecisionEvent limited = one(get(KEY).header("X-Request-Id", "req-42").build(), orders, 429);
    assertThat(limited.reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(limited.status()).hasValue(429);
    assertThat(limited.requestId()).hasValue("req-42");
    assertThat(limited.decision().retryAfter()).isPositive();

    DecisionEvent forbidden = one(get(UNSCOPED_KEY).build(), orders, 403);
    assertThat(forbidden.reason()).isEqualTo(Reason.FORBIDDEN);
    assertThat(forbidden.agentId()).isEqualTo("agent-8");
    assertThat(forbidden.cause()).hasValue(Decision.CAUSE_MISSING_SCOPE);
    assertThat(forbidden.policies()).as("refused before the policies").isEmpty();

    DecisionEvent missing = one(HttpRequestStub.get("/orders/17").peer("192.0.2.9").build(), orders, 401);
    assertThat(missing.reason()).isEqualTo(Reason.UNAUTHENTICATED);
    assertThat(missing.agentId()).isEqualTo("ip:192.0.2.9");
    assertThat(missing.identitySource()).isEmpty();
    assertThat(missing.cause()).hasValue(Decision.CAUSE_MISSING_CREDENTIAL);

    DecisionEvent wrong = one(get("ak_wrong_0000000000000000000").build(), orders, 401);
    assertThat(wrong.reason()).isEqualTo(Reason.UNAUTHENTICATED);
    assertThat(wrong.agentId()).as("never the identity a failed credential claims").isEqualTo("ip:192.0.2.7");
    assertThat(wrong.toString()).doesNotContain("ak_wrong");

    // a hostile request id is not taken: generated instead
    DecisionEvent hostileId = one(get(KEY).header("X-Request-Id", "Bearer " + KEY).build(), Route.of(CAPPED), 200);
    assertThat(hostileId.requestId().orElseThrow()).matches("[0-9a-f]{16}");

    Route json = Route.builder().policy(CAPPED).rules(RequestRules.builder().json().build()).build();
    DecisionEvent malformed =
        one(HttpRequestStub.post("/orders").peer("192.0.2.7").header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/json").body("{\"a\":1,\"a\":2}").build(), json, 400);
    assertThat(malformed.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(malformed.cause().orElseThrow()).startsWith(Decision.CAUSE_MALFORMED_JSON);
    assertThat(malformed.status()).hasValue(400);
  }

  @Test
  void theCredentialGuardsRefusalIsToldWithItsOwnCause() {
    Route orders = Route.of(LIMITED);
    for (int i = 0; i < AgentLimiters.DEFAULT_CREDENTIAL_FAILURE_LIMIT.capacity(); i++) {
      one(get("ak_stuffing_" + i + "_000000000000000").peer("198.51.100.4").build(), orders, 401);
    }
    DecisionEvent guarded = one(get(KEY).peer("198.51.100.4").build(), orders, 429);
    assertThat(guarded.reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(guarded.cause()).hasValue(HttpGate.CREDENTIALS_NOT_CHECKED);
    assertThat(guarded.agentId()).isEqualTo("ip:198.51.100.4");
    assertThat(guarded.decision().policy()).hasValue(AgentLimiters.CREDENTIAL_FAILURES_POLICY);
  }

  @Test
  void policyRefusalsAreToldOnceEachWithTheirReason() {
    AgentIdentity agent = AgentIdentity.of("agent-7", IdentitySource.API_KEY);
    Admission held = limiter.enter(AgentRequest.of(agent, CAPPED));
    assertThat(listener.requests).as("the held admission has not ended").isEmpty();
    assertThat(limiter.decide(AgentRequest.of(agent, CAPPED)).reason()).isEqualTo(Reason.CONCURRENCY_LIMITED);
    assertThat(listener.requests).extracting(DecisionEvent::reason).containsExactly(Reason.CONCURRENCY_LIMITED);
    assertThat(limiter.admin().requestsInFlight()).isZero(); // only HTTP exchanges are counted
    held.complete(Outcome.success());
    held.close(); // ended already: tells nothing more
    assertThat(listener.requests).extracting(DecisionEvent::reason)
        .containsExactly(Reason.CONCURRENCY_LIMITED, Reason.ALLOWED);

    AgentRequest same = AgentRequest.of(agent, LOOPS).withFingerprint(dev.agentlimiter.api.RequestFingerprint.of(1, 2));
    for (int i = 0; i < 4; i++) {
      limiter.decide(same);
    }
    assertThat(listener.requests).extracting(DecisionEvent::reason)
        .containsExactly(Reason.CONCURRENCY_LIMITED, Reason.ALLOWED, Reason.ALLOWED, Reason.ALLOWED,
            Reason.LOOP_DETECTED, Reason.QUARANTINED);
    DecisionEvent boxed = List.copyOf(listener.requests).get(5);
    assertThat(boxed.lanes()).containsExactly("egress");
    assertThat(boxed.method()).as("outside HTTP").isEmpty();
    assertThat(boxed.status()).isEmpty();

    // the fast path of a policy without defences tells no listener
    int told = listener.requests.size();
    limiter.tryAcquire(agent, LIMITED);
    assertThat(listener.requests).hasSize(told);
  }

  @Test
  void requestsInFlightCountsOpenHttpExchanges() {
    Route capped = Route.of(CAPPED);
    Exchange a = ((Limiter) limiter).admit(get(KEY).build(), capped, null, false);
    assertThat(limiter.admin().requestsInFlight()).isEqualTo(1);
    Exchange refused = ((Limiter) limiter).admit(get(KEY).build(), capped, null, false);
    assertThat(refused.decision().reason()).isEqualTo(Reason.CONCURRENCY_LIMITED);
    assertThat(limiter.admin().requestsInFlight()).as("a refusal is not in flight").isEqualTo(1);
    refused.close();
    a.close();
    a.close();
    assertThat(limiter.admin().requestsInFlight()).isZero();
  }

  @Test
  void topOffendersListTheRefusedAgentWithItsState() {
    AgentLimiter quiet = AgentLimiters.newBuilder().timeSource(TIME).build(); // no listener: refusals only
    for (AgentLimiter l : List.of(limiter, quiet)) {
      AgentIdentity heavy = AgentIdentity.of("heavy", IdentitySource.API_KEY);
      for (int i = 0; i < 10; i++) {
        l.decide(AgentRequest.of(heavy, LIMITED));
      }
      for (int i = 0; i < 100; i++) {
        l.decide(AgentRequest.of(AgentIdentity.of("light-" + i, IdentitySource.API_KEY), LIMITED));
      }
      List<Offender> top = l.admin().topOffenders(5);
      assertThat(top).hasSize(1);
      Offender first = top.get(0);
      assertThat(first.agentId()).isEqualTo("heavy");
      assertThat(first.source()).isEqualTo(IdentitySource.API_KEY);
      assertThat(first.refusals()).isEqualTo(8);
      assertThat(first.lastReason()).isEqualTo(Reason.RATE_LIMITED);
      assertThat(first.currentState().orElseThrow().limits()).anySatisfy(s -> {
        assertThat(s.policy()).isEqualTo("orders");
        assertThat(s.remaining()).isZero();
      });
    }
  }
}
