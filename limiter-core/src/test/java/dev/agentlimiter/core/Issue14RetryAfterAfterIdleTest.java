package dev.agentlimiter.core;

import static dev.agentlimiter.core.BucketModelProperties.w;
import static dev.agentlimiter.core.BucketModelProperties.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.internal.engine.Limiter;
import dev.agentlimiter.core.internal.state.AgentKey;
import dev.agentlimiter.core.internal.state.LocalPolicyState;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 2: {@code retryAfter()} must be the exact wait whatever the wait, also when the agent's
 * entry is evicted (idle or size) while it waits and rebuilt from the eviction ledger. It once came back
 * 1–2 ns emptier (one limit), or up to a token interval of the slower limit emptier (several limits), so a
 * client that waited exactly the advertised time was refused again with {@code Retry-After: 1}.
 */
class Issue14RetryAfterAfterIdleTest {

  private static final Policy REPORTED =
      Policy.named("reported").limit(Limit.capacity(9).refill(7).per(Duration.ofHours(1))).build();

  private static final AgentIdentity WAITER = AgentIdentity.of("waiter", IdentitySource.API_KEY);
  private static final AgentIdentity PEER = AgentIdentity.of("a-peer-with-a-long-id", IdentitySource.API_KEY);

  /** Other agents, under another policy: they push the waiter out by size and run the cache's maintenance. */
  private static final Policy FILLER_POLICY =
      Policy.named("filler").limit(Limit.capacity(1_000_000).refill(1).per(Duration.ofNanos(1))).build();

  private static final AgentIdentity[] FILLERS = {
    AgentIdentity.of("f0", IdentitySource.API_KEY),
    AgentIdentity.of("f1", IdentitySource.API_KEY),
    AgentIdentity.of("f2-with-a-long-identity", IdentitySource.API_KEY),
  };

  /** The reported case: capacity 9, 7 per hour, cost 8, the default 15-minute idle expiry. */
  @Test
  void waitingTheRetryAfterOfTheReportedCaseIsAdmitted() {
    for (long early : new long[] {0, 1}) {
      FakeTimeSource clock = new FakeTimeSource(123_456_789L);
      AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).build();
      AgentRequest request = AgentRequest.of(WAITER, REPORTED).withCost(8);
      assertThat(limiter.decide(request).isAllowed()).isTrue();
      Decision refused = limiter.decide(request);
      assertThat(refused.reason()).isEqualTo(Reason.RATE_LIMITED);
      assertThat(refused.retryAfter()).isEqualTo(Duration.ofHours(1));
      assertThat(refused.retryAfterSeconds()).isEqualTo(3_600);

      clock.advance(Duration.ofMinutes(20)); // past the idle expiry; another agent's request evicts the entry
      limiter.decide(AgentRequest.of(PEER, REPORTED));
      clock.advance(Duration.ofMinutes(40).minusNanos(early));
      Decision back = limiter.decide(request);
      if (early == 0) {
        assertThat(back.isAllowed()).as("after exactly the retry-after").isTrue();
        assertThat(back.remaining()).isZero();
      } else {
        assertThat(back.reason()).as("1 ns before the retry-after").isEqualTo(Reason.RATE_LIMITED);
        assertThat(back.retryAfter()).isEqualTo(Duration.ofNanos(1));
      }
    }
  }

  /** Two limits: the slower one once came back up to one of its token intervals short. */
  @Test
  void aTwoLimitBucketComesBackExactlyAfterAVeryLongWait() {
    Policy policy =
        Policy.named("two")
            .limit(Limit.capacity(7).refill(3).per(Duration.ofSeconds(7)))
            .limit(Limit.capacity(40).refill(3).per(Duration.ofHours(5)))
            .build();
    for (long early : new long[] {0, 1}) {
      FakeTimeSource clock = new FakeTimeSource(-1);
      AgentLimiter limiter =
          AgentLimiters.newBuilder().timeSource(clock).idleExpiry(Duration.ofMillis(1)).build();
      AgentRequest request = AgentRequest.of(WAITER, policy).withCost(7);
      for (int i = 0; i < 5; i++) {
        limiter.decide(request);
        clock.advanceNanos(20_000_000_007L); // the fast limit is full again each time
      }
      Decision refused = limiter.decide(request);
      assertThat(refused.reason()).isEqualTo(Reason.RATE_LIMITED);
      long wait = refused.retryAfter().toNanos();
      assertThat(wait).isGreaterThan(Duration.ofHours(3).toNanos()); // the slow limit binds
      clock.advanceNanos(wait / 2);
      limiter.decide(AgentRequest.of(PEER, policy)); // the waiter's entry has idled out by now
      clock.advanceNanos(wait - wait / 2 - early);
      Decision back = limiter.decide(request);
      if (early == 0) {
        assertThat(back.isAllowed()).as("after exactly the retry-after").isTrue();
      } else {
        assertThat(back.reason()).as("1 ns before the retry-after").isEqualTo(Reason.RATE_LIMITED);
        assertThat(back.retryAfter()).isEqualTo(Duration.ofNanos(1));
      }
    }
  }

  /**
   * Over random policies (1–3 limits, initial tokens included), costs, idle expiries from 1 ms and caches of
   * 1 to 3 entries: an agent is refused, waits, and is evicted meanwhile (idle, or pushed out by other
   * agents whose requests fall anywhere in the wait). Two engines run the same scenario; the one whose agent
   * comes back exactly {@code retryAfter()} later admits it, the one whose agent comes back 1 ns earlier
   * refuses it with a retry-after of 1 ns.
   */
  @Property(tries = 1000)
  void waitingExactlyTheRetryAfterAdmitsAndOneNanosecondLessDoesNot(
      @ForAll("scenarios") Scenario scenario) {
    Run exact = new Run(scenario);
    Run early = new Run(scenario);
    long wait = exact.refuse();
    assertThat(early.refuse()).isEqualTo(wait);
    Statistics.label("wait vs idle expiry")
        .collect(wait > 1000 * scenario.idleNanos() ? "> 1000 x idle" : wait > scenario.idleNanos() ? "> idle" : "<= idle");

    Decision admitted = exact.waitAndRetry(wait, 0);
    Decision refused = early.waitAndRetry(wait, 1);
    Statistics.label("waiter evicted while waiting").collect(exact.evicted, early.evicted);
    assertThat(admitted.reason()).as("after exactly %d ns", wait).isEqualTo(Reason.ALLOWED);
    assertThat(refused.reason()).as("after %d ns", wait - 1).isEqualTo(Reason.RATE_LIMITED);
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofNanos(1));
  }

  /** A request of the waiter or the peer (same policy), {@code gap} ns after the previous one. */
  record Step(long gap, boolean peer, long cost) {}

  /** Something during the wait, at {@code at / 1,000,000} of it: a filler's or the peer's request. */
  record During(long at, int who) {}

  record Scenario(
      Policy policy,
      long clockStart,
      int maximumAgents,
      long idleNanos,
      List<Step> prelude,
      long costPick,
      List<During> during) {}

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<Long> gaps =
        weighted(
            w(3, Arbitraries.longs().between(0, 1_000)),
            w(3, Arbitraries.longs().between(0, 2_000_000_000L)),
            w(1, Arbitraries.longs().between(0, 1_000_000_000_000_000L)));
    Arbitrary<Step> step =
        Combinators.combine(gaps, Arbitraries.of(false, false, true), Arbitraries.longs().between(0, 1_000_000))
            .as(Step::new);
    Arbitrary<During> during =
        Combinators.combine(Arbitraries.longs().between(0, 999_999), Arbitraries.integers().between(0, 3))
            .as(During::new);
    Arbitrary<Long> idle =
        weighted(
            w(3, Arbitraries.longs().between(1_000_000L, 10_000_000_000L)),
            w(1, Arbitraries.just(Duration.ofMinutes(15).toNanos())));
    return Combinators.combine(
            BucketModelProperties.policies(),
            BucketModelProperties.clockStarts(),
            Arbitraries.integers().between(1, 3),
            idle,
            step.list().ofMinSize(1).ofMaxSize(6),
            Arbitraries.longs().between(0, 1_000_000),
            during.list().ofMinSize(1).ofMaxSize(8))
        .as(Scenario::new);
  }

  /** One engine running a scenario. */
  static final class Run {
    final Scenario scenario;
    final Policy policy;
    final FakeTimeSource clock;
    final AgentLimiter limiter;
    long cost;
    boolean evicted;

    Run(Scenario scenario) {
      this.scenario = scenario;
      this.policy = scenario.policy();
      this.clock = new FakeTimeSource(scenario.clockStart());
      this.limiter =
          AgentLimiters.newBuilder()
              .timeSource(clock)
              .maximumTrackedAgents(scenario.maximumAgents())
              .idleExpiry(Duration.ofNanos(scenario.idleNanos()))
              .build();
    }

    /** A cost in {@code [1, minCapacity]} picked by {@code pick} in {@code [0, 1,000,000]}. */
    private long costOf(long pick, long from) {
      long span = policy.minCapacity() - from + 1;
      return from + BigInteger.valueOf(span - 1).multiply(BigInteger.valueOf(pick)).divide(BigInteger.valueOf(1_000_000)).longValueExact();
    }

    /** Runs the prelude and the refused request; returns its retry-after in nanos. */
    long refuse() {
      for (Step s : scenario.prelude()) {
        clock.advanceNanos(s.gap());
        limiter.decide(AgentRequest.of(s.peer() ? PEER : WAITER, policy).withCost(costOf(s.cost(), 1)));
      }
      long left = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        left = limiter.admin().inspect(WAITER, policy).stream().mapToLong(RateLimitStatus::remaining).min().orElseThrow();
        if (left < policy.minCapacity()) {
          break;
        }
        limiter.decide(AgentRequest.of(WAITER, policy).withCost(policy.minCapacity()));
      }
      net.jqwik.api.Assume.that(left < policy.minCapacity());
      cost = costOf(scenario.costPick(), left + 1);
      Decision d = limiter.decide(AgentRequest.of(WAITER, policy).withCost(cost));
      assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
      long wait = d.retryAfter().toNanos();
      assertThat(wait).isPositive();
      return wait;
    }

    /** Waits {@code wait - early} ns, with the scenario's other requests on the way, and retries. */
    Decision waitAndRetry(long wait, long early) {
      long target = wait - early;
      long at = 0;
      List<During> events =
          scenario.during().stream().sorted(java.util.Comparator.comparingLong(During::at)).toList();
      for (During e : events) {
        long t =
            Math.min(
                wait - 1,
                BigInteger.valueOf(wait).multiply(BigInteger.valueOf(e.at())).divide(BigInteger.valueOf(1_000_000)).longValueExact());
        clock.advanceNanos(t - at);
        at = t;
        if (e.who() == 3) {
          limiter.decide(AgentRequest.of(PEER, policy));
        } else {
          for (int i = 0; i < 4; i++) { // frequent enough for the cache to admit it over the waiter
            limiter.decide(AgentRequest.of(FILLERS[e.who()], FILLER_POLICY));
          }
        }
      }
      clock.advanceNanos(target - at);
      LocalPolicyState state = (LocalPolicyState) ((Limiter) limiter).engine.bind(policy).state;
      evicted =
          state.store.cache.policy().getIfPresentQuietly(AgentKey.of(state, WAITER.id())) == null;
      return limiter.decide(AgentRequest.of(WAITER, policy).withCost(cost));
    }
  }
}
