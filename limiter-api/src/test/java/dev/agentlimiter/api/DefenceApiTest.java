package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The defence options of {@link Policy.Builder}, and {@link Outcome}, {@link Decision} and {@link AgentRequest}. */
class DefenceApiTest {

  private static final Limit LIMIT = Limit.capacity(10).refill(1).per(Duration.ofSeconds(1));
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private static final ConcurrencyLimit CONCURRENCY = ConcurrencyLimit.of(8);
  private static final LoopDetection LOOPS = LoopDetection.after(5).within(Duration.ofSeconds(10));
  private static final BurstDetection BURST = BurstDetection.factor(8);
  private static final Quarantine QUARANTINE = Quarantine.after(20).within(MINUTE);
  private static final Reputation REPUTATION = Reputation.errorsAbove(20).within(MINUTE);
  private static final Budget BUDGET = Budget.named("llm").amount(5).perDay();

  private static Policy.Builder base() {
    return Policy.named("x").limit(LIMIT);
  }

  private static Policy build(UnaryOperator<Policy.Builder> options) {
    return options.apply(base()).build();
  }

  // ---- Policy.Builder ----

  @Test
  void aPolicyWithoutDefencesHasNone() {
    Policy p = base().build();
    assertThat(p.hasDefences()).isFalse();
    assertThat(p.concurrency()).isEmpty();
    assertThat(p.loopDetection()).isEmpty();
    assertThat(p.burstDetection()).isEmpty();
    assertThat(p.quarantine()).isEmpty();
    assertThat(p.reputation()).isEmpty();
    assertThat(p.budget()).isEmpty();
    assertThat(p).hasToString("Policy[x, lane=default, cost=1, limits=" + p.limits() + "]");
  }

  @Test
  void everyDefenceIsReturnedThroughItsAccessor() {
    Policy p =
        base()
            .concurrency(CONCURRENCY)
            .loopDetection(LOOPS)
            .burstDetection(BURST)
            .quarantine(QUARANTINE)
            .reputation(REPUTATION)
            .budget(BUDGET)
            .build();
    assertThat(p.hasDefences()).isTrue();
    assertThat(p.concurrency()).containsSame(CONCURRENCY);
    assertThat(p.loopDetection()).containsSame(LOOPS);
    assertThat(p.burstDetection()).containsSame(BURST);
    assertThat(p.quarantine()).containsSame(QUARANTINE);
    assertThat(p.reputation()).containsSame(REPUTATION);
    assertThat(p.budget()).containsSame(BUDGET);
    assertThat(p.toString())
        .endsWith(
            ", concurrency=" + CONCURRENCY
                + ", loopDetection=" + LOOPS
                + ", burstDetection=" + BURST
                + ", quarantine=" + QUARANTINE
                + ", reputation=" + REPUTATION
                + ", budget=" + BUDGET
                + "]");
  }

  @Test
  void eachDefenceAloneCountsAsADefence() {
    assertThat(build(b -> b.concurrency(CONCURRENCY)).hasDefences()).isTrue();
    assertThat(build(b -> b.loopDetection(LOOPS)).hasDefences()).isTrue();
    assertThat(build(b -> b.burstDetection(BURST)).hasDefences()).isTrue();
    assertThat(build(b -> b.quarantine(QUARANTINE)).hasDefences()).isTrue();
    assertThat(build(b -> b.reputation(REPUTATION)).hasDefences()).isTrue();
    assertThat(build(b -> b.budget(BUDGET)).hasDefences()).isTrue();
    Policy onlyLoops = build(b -> b.loopDetection(LOOPS));
    assertThat(onlyLoops.loopDetection()).contains(LOOPS);
    assertThat(onlyLoops.concurrency()).isEmpty();
    assertThat(onlyLoops.budget()).isEmpty();
  }

  @Test
  void eachDefenceMayBeSetOnlyOnce() {
    assertThatThrownBy(() -> base().concurrency(CONCURRENCY).concurrency(ConcurrencyLimit.of(9)))
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage(
            "policy 'x': concurrency was already set to"
                + " ConcurrencyLimit[maxInFlight=8, maxHold=PT5M, retryAfter=PT1S]");
    assertThatThrownBy(() -> base().loopDetection(LOOPS).loopDetection(LOOPS))
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage(
            "policy 'x': loopDetection was already set to LoopDetection[repeats=5, window=PT10S,"
                + " errorRepeats=3, backoff=PT1S, maxBackoff=PT5M, trackedFingerprints=16]");
    assertThatThrownBy(() -> base().burstDetection(BURST).burstDetection(BurstDetection.factor(3)))
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage(
            "policy 'x': burstDetection was already set to BurstDetection[factor=8, window=PT1S,"
                + " baseline=PT1M, minimumRate=2, mode=REPORT]");
    assertThatThrownBy(() -> base().quarantine(QUARANTINE).quarantine(QUARANTINE))
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage(
            "policy 'x': quarantine was already set to Quarantine[denials=20, within=PT1M,"
                + " duration=PT1M, maximum=PT1H, decayAfter=PT10M, onLoop=true]");
    assertThatThrownBy(() -> base().reputation(REPUTATION).reputation(REPUTATION))
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage(
            "policy 'x': reputation was already set to Reputation[errorPercent=20, window=PT1M,"
                + " minimumSamples=10, decreasePercent=50, increasePercent=10, floorPercent=10,"
                + " ceilingPercent=100]");
    assertThatThrownBy(() -> base().budget(BUDGET).budget(Budget.named("other").amount(1).perMonth()))
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessage(
            "policy 'x': budget was already set to Budget[name=llm, amount=5, reset=DAILY, interval=PT24H]");
  }

  @Test
  @SuppressWarnings("NullAway") // null on purpose
  void defencesAreNotNull() {
    assertThatThrownBy(() -> base().concurrency(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("concurrency");
    assertThatThrownBy(() -> base().loopDetection(null)).hasMessage("loopDetection");
    assertThatThrownBy(() -> base().burstDetection(null)).hasMessage("burstDetection");
    assertThatThrownBy(() -> base().quarantine(null)).hasMessage("quarantine");
    assertThatThrownBy(() -> base().reputation(null)).hasMessage("reputation");
    assertThatThrownBy(() -> base().budget(null)).hasMessage("budget");
  }

  @Test
  void equalityIncludesTheDefences() {
    Policy plain = base().build();
    List<Policy> each =
        List.of(
            build(b -> b.concurrency(CONCURRENCY)),
            build(b -> b.loopDetection(LOOPS)),
            build(b -> b.burstDetection(BURST)),
            build(b -> b.quarantine(QUARANTINE)),
            build(b -> b.reputation(REPUTATION)),
            build(b -> b.budget(BUDGET)));
    for (int i = 0; i < each.size(); i++) {
      assertThat(each.get(i)).isNotEqualTo(plain);
      assertThat(plain).isNotEqualTo(each.get(i));
      for (int j = 0; j < each.size(); j++) {
        if (i != j) {
          assertThat(each.get(i)).isNotEqualTo(each.get(j));
        }
      }
    }
    // Differing only in a defence's value.
    assertThat(build(b -> b.concurrency(ConcurrencyLimit.of(8))))
        .isNotEqualTo(build(b -> b.concurrency(ConcurrencyLimit.of(9))));
    assertThat(build(b -> b.loopDetection(LOOPS)))
        .isNotEqualTo(build(b -> b.loopDetection(LOOPS.withTrackedFingerprints(17))));
    assertThat(build(b -> b.burstDetection(BURST)))
        .isNotEqualTo(build(b -> b.burstDetection(BURST.withMode(BurstDetection.Mode.THROTTLE))));
    assertThat(build(b -> b.quarantine(QUARANTINE)))
        .isNotEqualTo(build(b -> b.quarantine(QUARANTINE.withOnLoop(false))));
    assertThat(build(b -> b.reputation(REPUTATION)))
        .isNotEqualTo(build(b -> b.reputation(REPUTATION.withMinimumSamples(11))));
    assertThat(build(b -> b.budget(BUDGET)))
        .isNotEqualTo(build(b -> b.budget(Budget.named("llm").amount(6).perDay())));
  }

  @Test
  void equalDefencesGiveEqualPoliciesAndHashCodes() {
    UnaryOperator<Policy.Builder> all =
        b ->
            b.concurrency(ConcurrencyLimit.of(8))
                .loopDetection(LoopDetection.after(5).within(Duration.ofSeconds(10)))
                .burstDetection(BurstDetection.factor(8))
                .quarantine(Quarantine.after(20).within(MINUTE))
                .reputation(Reputation.errorsAbove(20).within(MINUTE))
                .budget(Budget.named("llm").amount(5).perDay());
    Policy a = build(all);
    Policy b = build(all);
    assertThat(a).isNotSameAs(b).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    // The order the options are set in does not matter.
    Policy reordered =
        base()
            .budget(BUDGET)
            .reputation(REPUTATION)
            .quarantine(QUARANTINE)
            .burstDetection(BURST)
            .loopDetection(LOOPS)
            .concurrency(CONCURRENCY)
            .build();
    assertThat(reordered).isEqualTo(a);
    assertThat(reordered.hashCode()).isEqualTo(a.hashCode());
  }

  // ---- Outcome ----

  @Test
  void outcomeOfStatusBoundaries() {
    // issue 15: one rule, total; a status outside HTTP's range is unknown, never an exception
    assertThat(Outcome.ofStatus(99)).isEqualTo(Outcome.unknown());
    assertThat(Outcome.ofStatus(0)).isEqualTo(Outcome.unknown());
    assertThat(Outcome.ofStatus(100)).isEqualTo(Outcome.success());
    assertThat(Outcome.ofStatus(200).kind()).isEqualTo(Outcome.Kind.SUCCESS);
    assertThat(Outcome.ofStatus(399)).isEqualTo(Outcome.success());
    assertThat(Outcome.ofStatus(400)).isEqualTo(Outcome.failure());
    assertThat(Outcome.ofStatus(599)).isEqualTo(Outcome.failure());
    assertThat(Outcome.ofStatus(599).kind()).isEqualTo(Outcome.Kind.FAILURE);
    assertThat(Outcome.ofStatus(600)).isEqualTo(Outcome.unknown());
    assertThat(Outcome.ofStatus(-200)).isEqualTo(Outcome.unknown());
    assertThat(Outcome.ofStatus(Integer.MIN_VALUE)).isEqualTo(Outcome.unknown());
  }

  @Test
  void outcomeActualCost() {
    assertThat(Outcome.success().actualCost()).isEqualTo(OptionalLong.empty());
    assertThat(Outcome.unknown().kind()).isEqualTo(Outcome.Kind.UNKNOWN);
    assertThat(Outcome.success().withActualCost(0).actualCost()).isEqualTo(OptionalLong.of(0));
    assertThat(Outcome.failure().withActualCost(42).actualCost()).isEqualTo(OptionalLong.of(42));
    assertThat(Outcome.failure().withActualCost(42).kind()).isEqualTo(Outcome.Kind.FAILURE);
    long max = Long.MAX_VALUE / 4;
    assertThat(Outcome.success().withActualCost(max).actualCost()).isEqualTo(OptionalLong.of(max));
    assertThatThrownBy(() -> Outcome.success().withActualCost(-1))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("outcome: actualCost must be between 0 and 2305843009213693951 but was -1");
    assertThatThrownBy(() -> Outcome.success().withActualCost(max + 1))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "outcome: actualCost must be between 0 and 2305843009213693951 but was 2305843009213693952");
    assertThat(Outcome.success()).hasToString("Outcome[SUCCESS]");
    assertThat(Outcome.unknown().withActualCost(7)).hasToString("Outcome[UNKNOWN, actualCost=7]");
  }

  @Test
  void outcomeEquality() {
    Outcome five = Outcome.success().withActualCost(5);
    assertThat(five).isEqualTo(Outcome.ofStatus(204).withActualCost(5));
    assertThat(five.hashCode()).isEqualTo(Outcome.ofStatus(204).withActualCost(5).hashCode());
    assertThat(five).isNotEqualTo(Outcome.success());
    assertThat(five).isNotEqualTo(Outcome.success().withActualCost(6));
    assertThat(five).isNotEqualTo(Outcome.failure().withActualCost(5));
    assertThat(five).isNotEqualTo(Outcome.unknown().withActualCost(5));
    assertThat(Outcome.success().withActualCost(0)).isNotEqualTo(Outcome.success());
    assertThat(Outcome.success()).isNotEqualTo(Outcome.failure()).isNotEqualTo(Outcome.unknown());
    assertThat(Outcome.failure()).isEqualTo(Outcome.ofStatus(500));
    assertThat(Outcome.success()).isNotEqualTo("SUCCESS");
    // withActualCost replaces an earlier cost.
    assertThat(five.withActualCost(9)).isEqualTo(Outcome.success().withActualCost(9));
  }

  // ---- Decision.denied(reason, policy, retryAfter) ----

  @Test
  void defenceDenialsNameThePolicy() {
    Decision d = Decision.denied(Reason.LOOP_DETECTED, "search", Duration.ofSeconds(2));
    assertThat(d.isAllowed()).isFalse();
    assertThat(d.reason()).isEqualTo(Reason.LOOP_DETECTED);
    assertThat(d.policy()).contains("search");
    assertThat(d.limits()).isEmpty();
    assertThat(d.bindingLimit()).isEmpty();
    assertThat(d.remaining()).isEqualTo(Long.MAX_VALUE);
    assertThat(d.reset()).isEqualTo(Duration.ZERO);
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    assertThat(d.retryAfterSeconds()).isEqualTo(2);
    assertThat(d).hasToString("Decision[LOOP_DETECTED, policy=search, remaining=unlimited, retryAfter=PT2S]");
    assertThat(d).isEqualTo(Decision.denied(Reason.LOOP_DETECTED, "search", Duration.ofSeconds(2)));
    assertThat(d.hashCode())
        .isEqualTo(Decision.denied(Reason.LOOP_DETECTED, "search", Duration.ofSeconds(2)).hashCode());
    assertThat(d).isNotEqualTo(Decision.denied(Reason.LOOP_DETECTED, "other", Duration.ofSeconds(2)));
    assertThat(d).isNotEqualTo(Decision.denied(Reason.LOOP_DETECTED, List.of(), null, Duration.ofSeconds(2)));

    assertThat(Decision.denied(Reason.CONCURRENCY_LIMITED, "p", Duration.ofMillis(1)).retryAfterSeconds())
        .isEqualTo(1);
    assertThat(Decision.denied(Reason.QUARANTINED, "p", Duration.ofMinutes(5)).policy()).contains("p");
    assertThat(Decision.denied(Reason.FORBIDDEN, "p", Duration.ZERO).retryAfterSeconds()).isZero();
  }

  @Test
  void limitDenialsAndAdmissionsNameTheBindingPolicy() {
    RateLimitStatus s = new RateLimitStatus("p", "l", 5, Duration.ofSeconds(1), 0, Duration.ofSeconds(1));
    assertThat(Decision.denied(Reason.RATE_LIMITED, List.of(s), s, Duration.ofSeconds(1)).policy())
        .contains("p");
    assertThat(Decision.denied(Reason.RATE_LIMITED, List.of(s), null, Duration.ofSeconds(1)).policy())
        .isEmpty();
    assertThat(Decision.allowed(List.of(s)).policy()).contains("p");
    assertThat(Decision.allowed().policy()).isEmpty();
  }

  @Test
  @SuppressWarnings("NullAway") // null on purpose
  void defenceDenialsRefuseContradictions() {
    assertThatThrownBy(() -> Decision.denied(Reason.ALLOWED, "p", Duration.ZERO))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: a denial needs a reason other than ALLOWED");
    assertThatThrownBy(() -> Decision.denied(Reason.ALLOWED, "p", Duration.ofSeconds(1)))
        .hasMessage("decision: a denial needs a reason other than ALLOWED");
    for (Reason r : List.of(Reason.RATE_LIMITED, Reason.LOOP_DETECTED, Reason.CONCURRENCY_LIMITED, Reason.QUARANTINED)) {
      assertThatThrownBy(() -> Decision.denied(r, "p", Duration.ZERO))
          .isExactlyInstanceOf(IllegalArgumentException.class)
          .hasMessage("decision: retryAfter must be > 0 exactly when " + r + " is retryable, but was PT0S");
      assertThatThrownBy(() -> Decision.denied(r, "p", Duration.ofNanos(-1)))
          .isExactlyInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "decision: retryAfter must be > 0 exactly when " + r + " is retryable, but was PT-0.000000001S");
      assertThat(Decision.denied(r, "p", Duration.ofNanos(1)).retryAfter()).isEqualTo(Duration.ofNanos(1));
    }
    assertThatThrownBy(() -> Decision.denied(Reason.FORBIDDEN, "p", Duration.ofSeconds(1)))
        .hasMessage("decision: retryAfter must be > 0 exactly when FORBIDDEN is retryable, but was PT1S");
    assertThatThrownBy(() -> Decision.denied(Reason.QUARANTINED, (String) null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("policy");
    assertThatThrownBy(() -> Decision.denied(Reason.QUARANTINED, "p", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("retryAfter");
  }

  // ---- AgentRequest ----

  private static final AgentIdentity AGENT = AgentIdentity.of("agent-7", IdentitySource.API_KEY);

  @Test
  void estimateDefaultsToTheCost() {
    Policy three = Policy.named("three").limit(LIMIT).cost(3).build();
    Policy one = Policy.named("one").limit(LIMIT).build();
    AgentRequest request = AgentRequest.of(AGENT, List.of(three, one));
    assertThat(request.estimateFor(three)).isEqualTo(3).isEqualTo(request.costFor(three));
    assertThat(request.estimateFor(one)).isEqualTo(1).isEqualTo(request.costFor(one));
    AgentRequest weighted = request.withCost(7);
    assertThat(weighted.estimateFor(three)).isEqualTo(7);
    assertThat(weighted.estimateFor(one)).isEqualTo(7);
  }

  @Test
  void estimateReplacesTheCostForBudgetsOnly() {
    Policy three = Policy.named("three").limit(LIMIT).cost(3).build();
    AgentRequest request = AgentRequest.of(AGENT, three).withEstimate(500);
    assertThat(request.estimateFor(three)).isEqualTo(500);
    assertThat(request.costFor(three)).isEqualTo(3);
    // Zero is an estimate, not "unset".
    assertThat(AgentRequest.of(AGENT, three).withEstimate(0).estimateFor(three)).isZero();
    // Later withers keep the estimate, and a later estimate replaces it.
    assertThat(request.withCost(2).estimateFor(three)).isEqualTo(500);
    assertThat(request.withCost(2).costFor(three)).isEqualTo(2);
    assertThat(request.withEstimate(9).estimateFor(three)).isEqualTo(9);
    assertThat(request).hasToString("AgentRequest[agent-7, policies=[three], estimate=500]");
  }

  @Test
  void estimateBoundaries() {
    AgentRequest request = AgentRequest.of(AGENT, base().build());
    long max = Long.MAX_VALUE / 4;
    assertThatThrownBy(() -> request.withEstimate(-1))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("request: estimate must be between 0 and 2305843009213693951 but was -1");
    assertThat(request.withEstimate(0).estimateFor(base().build())).isZero();
    assertThat(request.withEstimate(max).estimateFor(base().build())).isEqualTo(max);
    assertThatThrownBy(() -> request.withEstimate(max + 1))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "request: estimate must be between 0 and 2305843009213693951 but was 2305843009213693952");
    assertThatThrownBy(() -> request.withEstimate(Long.MIN_VALUE))
        .hasMessage(
            "request: estimate must be between 0 and 2305843009213693951 but was -9223372036854775808");
  }

  @Test
  @SuppressWarnings("NullAway") // null on purpose
  void fingerprintIsOptionalAndKeptByOtherWithers() {
    Policy p = base().build();
    AgentRequest request = AgentRequest.of(AGENT, p);
    assertThat(request.fingerprint()).isNull();
    RequestFingerprint fp = RequestFingerprint.of(1, 2);
    AgentRequest printed = request.withFingerprint(fp);
    assertThat(printed.fingerprint()).isSameAs(fp);
    assertThat(request.fingerprint()).isNull(); // immutable
    AgentRequest later = printed.withCost(4).withEstimate(11);
    assertThat(later.fingerprint()).isSameAs(fp);
    assertThat(later.costFor(p)).isEqualTo(4);
    assertThat(later.estimateFor(p)).isEqualTo(11);
    AgentRequest replaced = later.withFingerprint(RequestFingerprint.of(3, 4));
    assertThat(replaced.fingerprint()).isEqualTo(RequestFingerprint.of(3, 4));
    assertThat(replaced.estimateFor(p)).isEqualTo(11);
    assertThat(replaced.costFor(p)).isEqualTo(4);
    assertThat(printed)
        .hasToString("AgentRequest[agent-7, policies=[x], fingerprint=00000000000000010000000000000002]");
    assertThatThrownBy(() -> request.withFingerprint(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("fingerprint");
  }
}
