package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.core.internal.engine.Exchange;
import dev.agentlimiter.core.internal.engine.Limiter;
import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the detector events a request causes over HTTP carry its id, the very id of its {@link
 * DecisionEvent}, computed once; events no request caused, and requests outside HTTP, carry none; without
 * a listener no id is computed and no decision changes.
 */
class Issue15DetectorEventIdTest {

  private static final String KEY = "ak_detector_7c1e9a3b5d2f4086";
  private static final AgentIdentity AGENT = AgentIdentity.of("agent-9", IdentitySource.API_KEY);

  /** Loops (the third same request, the earlier ones failed), then the quarantine its refusal starts. */
  private static final Policy LOOPS =
      Policy.named("looping")
          .limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1)))
          .loopDetection(LoopDetection.after(2).within(Duration.ofSeconds(10)))
          .quarantine(Quarantine.after(1).within(Duration.ofMinutes(1)))
          .lane("egress")
          .build();
  /** A throttled burst: a new agent's first requests spike against the minimum rate. */
  private static final Policy BURSTS =
      Policy.named("bursty")
          .limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1)))
          .burstDetection(BurstDetection.factor(2).withMode(BurstDetection.Mode.THROTTLE))
          .build();
  /** Crossed by its second reservation; by a settlement when a request's actual cost exceeds its estimate. */
  private static final Policy BUDGET =
      Policy.named("metered")
          .limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1)))
          .budget(Budget.named("rows").amount(2).perDay())
          .build();
  private static final Policy REPUTATION =
      Policy.named("mail")
          .limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1)))
          .reputation(Reputation.errorsAbove(20).within(Duration.ofSeconds(10)))
          .build();

  private final FakeTimeSource time = new FakeTimeSource(42);
  private final RecordingListener listener = new RecordingListener();
  private final AgentLimiter limiter = limiter(listener);

  private AgentLimiter limiter(LimiterListener l) {
    return AgentLimiters.newBuilder()
        .timeSource(time)
        .listener(l)
        .identity(IdentityResolvers.apiKeys(InMemoryApiKeyStore.create().add(KEY, AGENT)))
        .build();
  }

  private static HttpRequestStub.Builder get(@Nullable String requestId) {
    return get("/v1/mail", requestId);
  }

  private static HttpRequestStub.Builder get(String path, @Nullable String requestId) {
    HttpRequestStub.Builder b =
        HttpRequestStub.get(path).peer("192.0.2.7").header("Authorization", "Bearer " + KEY);
    return requestId == null ? b : b.header("X-Request-Id", requestId);
  }

  /** One request through the HTTP path, ended with {@code status}: its decision event and its detector events. */
  private record Told(DecisionEvent decision, List<LimiterEvent> events) {}

  private Told admit(AgentLimiter on, RequestView request, Policy policy, Outcome outcome) {
    int decisions = listener.requests.size();
    int events = listener.events.size();
    Exchange x = ((Limiter) on).admit(request, Route.of(policy), "/v1/mail", false);
    x.end(x.decision().isAllowed() ? 200 : 429, outcome);
    assertThat(listener.requests).hasSize(decisions + 1);
    return new Told(
        List.copyOf(listener.requests).get(decisions),
        List.copyOf(listener.events).subList(events, listener.events.size()));
  }

  private Told admit(RequestView request, Policy policy) {
    return admit(limiter, request, policy, Outcome.success());
  }

  /** Every detector event of {@code told} carries the id of its decision event: the same string. */
  private static void sameId(Told told) {
    String id = told.decision().requestId().orElseThrow();
    assertThat(told.events()).isNotEmpty();
    for (LimiterEvent e : told.events()) {
      assertThat(e.requestId()).as("%s", e).hasValue(id);
      assertThat(e.requestId().orElseThrow()).as("memoized: one id per request").isSameAs(id);
    }
  }

  @Test
  void loopAndQuarantineCarryTheIdOfTheRequestThatCausedThem() {
    for (String given : new String[] {"loop-req-1", null}) {
      List<Told> told = new ArrayList<>();
      for (int i = 0; i < 3; i++) { // the same request, failing each time: a storm
        RequestView same = get(given == null ? "/v1/mail/b" : "/v1/mail/a", given).build();
        told.add(admit(limiter, same, LOOPS, Outcome.failure()));
      }
      Told looped =
          told.stream().filter(t -> t.decision().reason() == Reason.LOOP_DETECTED).findFirst().orElseThrow();
      assertThat(looped.events())
          .extracting(e -> e.getClass().getSimpleName())
          .containsExactly("LoopDetected", "Quarantined");
      sameId(looped);
      if (given != null) {
        assertThat(looped.decision().requestId()).hasValue(given);
      } else {
        assertThat(looped.decision().requestId().orElseThrow()).as("generated").matches("[0-9a-f]{16}");
      }
      assertThat(told).filteredOn(t -> !t.equals(looped)).allSatisfy(t -> assertThat(t.events()).isEmpty());

      // the operator's release: caused by no request
      listener.events.clear();
      assertThat(limiter.admin().release(AGENT, "egress")).isTrue();
      assertThat(listener.of(LimiterEvent.QuarantineReleased.class)).singleElement()
          .satisfies(e -> assertThat(e.requestId()).isEmpty());
      time.advance(Duration.ofSeconds(11)); // past the loop window
    }
  }

  @Test
  void burstCarriesTheIdOfTheRequestThatCausedIt() {
    for (String given : new String[] {"burst-req-1", null}) {
      List<Told> told = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        told.add(admit(get(given).build(), BURSTS));
      }
      Told spiked = told.stream().filter(t -> !t.events().isEmpty()).findFirst().orElseThrow();
      assertThat(spiked.events()).singleElement().isInstanceOf(LimiterEvent.BurstDetected.class);
      assertThat(spiked.decision().reason()).as("throttled").isEqualTo(Reason.RATE_LIMITED);
      sameId(spiked);
      time.advance(Duration.ofMinutes(10)); // the spike is over; a new one for the next run
    }
  }

  @Test
  void budgetCarriesTheIdOfTheRequestThatCrossedItWhenReservedAndWhenSettled() {
    assertThat(admit(get("budget-req-1").build(), BUDGET).events()).isEmpty();
    Told crossed = admit(get("budget-req-2").build(), BUDGET);
    assertThat(crossed.decision().refused()).isFalse();
    assertThat(crossed.events()).singleElement().isInstanceOf(LimiterEvent.BudgetExhausted.class);
    sameId(crossed);
    assertThat(crossed.decision().requestId()).hasValue("budget-req-2");
    assertThat(admit(get(null).build(), BUDGET).decision().reason()).isEqualTo(Reason.RATE_LIMITED);

    // crossed when the request ends: its actual cost settles the reservation
    time.advance(Duration.ofDays(1));
    Told settled = admit(limiter, get(null).build(), BUDGET, Outcome.success().withActualCost(5));
    assertThat(settled.events()).singleElement().isInstanceOf(LimiterEvent.BudgetExhausted.class);
    sameId(settled);
  }

  @Test
  void reputationCarriesTheIdOfTheRequestWhoseStepChangedIt() {
    for (int i = 0; i < 10; i++) {
      admit(limiter, get(null).build(), REPUTATION, Outcome.failure());
    }
    time.advance(Duration.ofSeconds(10)); // the bad window closes at the next request's bucket step
    Told changed = admit(get("rep-req-1").build(), REPUTATION);
    assertThat(changed.events()).singleElement().isInstanceOf(LimiterEvent.ReputationChanged.class);
    sameId(changed);
    assertThat(changed.decision().requestId()).hasValue("rep-req-1");
  }

  @Test
  void requestsOutsideHttpCarryNoIdAsTheirDecisionEventCarriesNone() {
    RequestFingerprint fp = RequestFingerprint.of(1, 2);
    for (int i = 0; i < 3; i++) {
      limiter.decide(AgentRequest.of(AGENT, LOOPS).withFingerprint(fp));
    }
    limiter.decide(AgentRequest.of(AGENT, BUDGET));
    limiter.decide(AgentRequest.of(AGENT, BUDGET));
    assertThat(listener.events)
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("LoopDetected", "Quarantined", "BudgetExhausted");
    assertThat(listener.events).allSatisfy(e -> assertThat(e.requestId()).isEmpty());
    assertThat(listener.requests).isNotEmpty().allSatisfy(e -> assertThat(e.requestId()).isEmpty());
  }

  /** A request that counts how often its id headers are read. */
  private static final class Counting implements RequestView {
    final RequestView inner;
    final AtomicInteger idReads = new AtomicInteger();

    Counting(RequestView inner) {
      this.inner = inner;
    }

    @Override
    public String method() {
      return inner.method();
    }

    @Override
    public String path() {
      return inner.path();
    }

    @Override
    public @Nullable String header(String name) {
      if (name.equalsIgnoreCase("X-Request-Id") || name.equalsIgnoreCase("traceparent")) {
        idReads.incrementAndGet();
      }
      return inner.header(name);
    }

    @Override
    public List<String> headers(String name) {
      return inner.headers(name);
    }

    @Override
    public String remoteAddress() {
      return inner.remoteAddress();
    }

    @Override
    public Optional<Principal> principal() {
      return inner.principal();
    }

    @Override
    public @Nullable String query() {
      return inner.query();
    }

    @Override
    public InputStream body() throws IOException {
      return inner.body();
    }
  }

  /** The decisions of a looping, bursting, budget-crossing agent, and how often its requests' ids were read. */
  private List<Reason> scenario(AgentLimiter on, AtomicInteger idReads) {
    List<Reason> reasons = new ArrayList<>();
    for (Policy policy : List.of(LOOPS, BURSTS, BUDGET)) {
      for (int i = 0; i < 6; i++) {
        Counting request = new Counting(get(null).build());
        Exchange x = ((Limiter) on).admit(request, Route.of(policy), null, false);
        reasons.add(x.decision().reason());
        boolean failing = policy.equals(LOOPS);
        x.end(failing ? 500 : 200, failing ? Outcome.failure() : Outcome.success());
        idReads.addAndGet(request.idReads.get());
        assertThat(request.idReads.get()).as("at most once per request, per header").isLessThanOrEqualTo(2);
      }
    }
    return reasons;
  }

  @Test
  void withoutAListenerNoIdIsComputedAndNoDecisionChanges() {
    AtomicInteger listened = new AtomicInteger();
    List<Reason> withListener = scenario(limiter, listened);
    assertThat(listened.get()).isPositive();
    assertThat(withListener).contains(Reason.LOOP_DETECTED, Reason.QUARANTINED, Reason.RATE_LIMITED);

    AtomicInteger quiet = new AtomicInteger();
    assertThat(scenario(limiter(LimiterListener.noop()), quiet)).isEqualTo(withListener);
    assertThat(quiet.get()).as("no request id read for nobody").isZero();

    // a listener of decisions that takes no admissions and no detector events: ids of refusals only
    AtomicInteger refusalsOnly = new AtomicInteger();
    List<Reason> decisionsOnly =
        scenario(
            limiter(
                new LimiterListener() {
                  @Override
                  public void onDecision(DecisionEvent event) {}

                  @Override
                  public boolean takesAdmissions() {
                    return false;
                  }
                }),
            refusalsOnly);
    assertThat(decisionsOnly).isEqualTo(withListener);
    long refused = withListener.stream().filter(r -> r != Reason.ALLOWED).count();
    assertThat(refusalsOnly.get()).as("one id per refusal, none for an admission").isEqualTo((int) (2 * refused));
  }

  @Test
  void aDetectorEventBuiltByHandKeepsItsMeaning() {
    LimiterEvent.BudgetExhausted old = new LimiterEvent.BudgetExhausted("a", "rows", 0, Duration.ZERO);
    assertThat(old.requestId()).isEmpty();
    assertThat(old).isEqualTo(new LimiterEvent.BudgetExhausted("a", "rows", 0, Duration.ZERO, Optional.empty()));
    assertThat(new LimiterEvent.QuarantineReleased("a", "lane").requestId()).isEmpty();
  }
}
