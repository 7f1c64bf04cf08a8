package dev.agentlimiter.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.StateInheritance;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * When a policy changes, an agent's tokens carry over by the rule the new configuration names, exactly:
 * with {@code t} tokens under capacity {@code c1} and a new capacity {@code c2}, {@link
 * StateInheritance#AS_IS} leaves {@code min(t, c2)}, {@link StateInheritance#PROPORTIONAL} leaves {@code
 * floor(x * c2 / c1)} where {@code x} is the exact number of tokens, fraction included (Bucket4j's
 * proportional rule, checked here against exact rational arithmetic), {@link StateInheritance#RESET} the new limit's initial tokens; whatever the refill
 * rates before and after, and however long after the last refill the change comes. A limit new to the
 * policy starts at its initial tokens under every rule, and one the policy keeps unchanged keeps its exact
 * tokens.
 */
class Issue16InheritanceProperties {

  private static final AgentIdentity AGENT = AgentIdentity.of("agent", IdentitySource.API_KEY);

  private static Policy policy(long capacity, long refill, Duration period, long keptCapacity, String newName) {
    return Policy.named("p")
        .limit(Limit.capacity(capacity).refill(refill).per(period).named("changed"))
        .limit(Limit.capacity(keptCapacity).refill(1).per(Duration.ofHours(1)).named(newName))
        .build();
  }

  /**
   * {@code floor(x * c2 / c1)} with {@code x} the exact tokens of a bucket of capacity {@code c1} created
   * full, charged {@code cost}, then refilled greedily for {@code elapsedNanos}: in token-nanoseconds,
   * {@code scaled = min(c1 * p, (c1 - cost) * p + refill * elapsed)}, so {@code x = scaled / p}.
   */
  private static long proportional(
      long c1, long refill, int periodSeconds, long cost, long elapsedNanos, long c2) {
    java.math.BigInteger p = java.math.BigInteger.valueOf(periodSeconds * 1_000_000_000L);
    java.math.BigInteger cap = java.math.BigInteger.valueOf(c1).multiply(p);
    java.math.BigInteger scaled =
        java.math.BigInteger.valueOf(c1 - cost).multiply(p)
            .add(java.math.BigInteger.valueOf(refill).multiply(java.math.BigInteger.valueOf(elapsedNanos)))
            .min(cap);
    return scaled.multiply(java.math.BigInteger.valueOf(c2))
        .divide(p.multiply(java.math.BigInteger.valueOf(c1)))
        .longValueExact();
  }

  /**
   * Two changes in a row, the agent idle in between, and perhaps evicted before them: the rules apply in
   * turn, on the exact tokens (a bucket taken over late, or from the eviction ledger, ends where one taken
   * over at each change would); after a reset the agent is new, under every later version too; a version
   * whose limits are unchanged changes no bucket.
   */
  @Property(tries = 300)
  void anIdleAgentIsCarriedOverEachChangeInTurn(
      @ForAll @LongRange(min = 1, max = 1_000) long capacity1,
      @ForAll @LongRange(min = 1, max = 1_000) long capacity2,
      @ForAll @LongRange(min = 1, max = 1_000) long capacity3,
      @ForAll @LongRange(min = 1, max = 1_000) long spent,
      @ForAll @LongRange(min = 0, max = 10_000_000_000L) long elapsedNanos,
      @ForAll StateInheritance rule2,
      @ForAll StateInheritance rule3,
      @ForAll boolean evict) {
    Duration period = Duration.ofSeconds(10);
    long refill = 3;
    FakeTimeSource time = new FakeTimeSource(1_000_000_000L);
    AgentLimiter limiter =
        AgentLimiters.newBuilder().timeSource(time).maximumTrackedAgents(16).build();
    Policy v1 = policy(capacity1, refill, period, 5, "kept");
    limiter.admin().apply(PolicySet.builder().policy(v1).build(), "v1");
    long cost = Math.min(spent, Math.min(capacity1, 5));
    assertThat(limiter.decide(AgentRequest.of(AGENT, v1).withCost(cost)).isAllowed()).isTrue();
    if (evict) {
      for (int i = 0; i < 40; i++) { // fewer than the eviction ledger's 256 records: none is lost
        limiter.tryAcquire(AgentIdentity.of("other-" + i, IdentitySource.API_KEY), v1);
      }
    }
    time.advanceNanos(elapsedNanos);
    limiter.admin().apply(
        PolicySet.builder().policy(policy(capacity2, refill, period, 5, "kept")).inheritance(rule2).build(),
        "v2");
    Policy v3 = policy(capacity3, refill, period, 5, "kept");
    limiter.admin().apply(PolicySet.builder().policy(v3).inheritance(rule3).build(), "v3");

    java.math.BigInteger p = java.math.BigInteger.valueOf(period.toNanos());
    // exact tokens as a fraction scaled / p
    java.math.BigInteger scaled =
        java.math.BigInteger.valueOf(capacity1 - cost).multiply(p)
            .add(java.math.BigInteger.valueOf(refill).multiply(java.math.BigInteger.valueOf(elapsedNanos)))
            .min(java.math.BigInteger.valueOf(capacity1).multiply(p));
    scaled = step(scaled, p, capacity1, capacity2, rule2);
    scaled = step(scaled, p, capacity2, capacity3, rule3);
    long expected = scaled == null ? capacity3 : scaled.divide(p).longValueExact();
    assertThat(limiter.admin().inspect(AGENT, v3).get(0).remaining())
        .as("%s then %s, %d -> %d -> %d", rule2, rule3, capacity1, capacity2, capacity3)
        .isEqualTo(expected);
  }

  /**
   * One change of capacity on exact tokens {@code scaled / p}; {@code null} for an agent that is new (a
   * reset forgets it, and a later change has nothing of it to carry: it starts at the last version's
   * initial tokens). A policy whose limits did not change is not a change of its buckets.
   */
  private static java.math.@org.jspecify.annotations.Nullable BigInteger step(
      java.math.@org.jspecify.annotations.Nullable BigInteger scaled, java.math.BigInteger p, long from,
      long to, StateInheritance rule) {
    if (scaled == null || from == to) {
      return scaled;
    }
    java.math.BigInteger cap = java.math.BigInteger.valueOf(to).multiply(p);
    return switch (rule) {
      case AS_IS -> scaled.min(cap);
      case PROPORTIONAL ->
          scaled.multiply(java.math.BigInteger.valueOf(to)).divide(java.math.BigInteger.valueOf(from)).min(cap);
      case RESET -> null;
    };
  }

  @Property(tries = 1000)
  void tokensCarryOverByTheRule(
      @ForAll @LongRange(min = 1, max = 10_000) long capacity1,
      @ForAll @LongRange(min = 1, max = 10_000) long refill1,
      @ForAll @IntRange(min = 1, max = 3_600) int period1Seconds,
      @ForAll @LongRange(min = 1, max = 10_000) long capacity2,
      @ForAll @LongRange(min = 1, max = 10_000) long refill2,
      @ForAll @IntRange(min = 1, max = 3_600) int period2Seconds,
      @ForAll @LongRange(min = 0, max = 10_000) long spent,
      @ForAll @LongRange(min = 0, max = 3_600_000_000_000L) long elapsedNanos,
      @ForAll boolean renameSecondLimit,
      @ForAll StateInheritance rule) {
    long kept = 50;
    Policy before = policy(capacity1, refill1, Duration.ofSeconds(period1Seconds), kept, "kept");
    Policy after =
        policy(
            capacity2, refill2, Duration.ofSeconds(period2Seconds), kept, renameSecondLimit ? "other" : "kept");
    FakeTimeSource time = new FakeTimeSource(1_000_000_000L);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).build();
    limiter.admin().apply(PolicySet.builder().policy(before).build(), "before");
    long cost = Math.max(1, Math.min(spent, Math.min(capacity1, kept)));
    assertThat(limiter.decide(AgentRequest.of(AGENT, before).withCost(cost)).isAllowed()).isTrue();
    time.advanceNanos(elapsedNanos);
    List<RateLimitStatus> was = limiter.admin().inspect(AGENT, before);

    limiter.admin().apply(
        PolicySet.builder().policy(after).inheritance("p", rule).build(), "after");
    List<RateLimitStatus> now = limiter.admin().inspect(AGENT, after);

    long t = was.get(0).remaining();
    if (before.limits().equals(after.limits())) {
      assertThat(now).extracting(RateLimitStatus::remaining)
          .as("unchanged limits: the very same buckets")
          .containsExactly(t, was.get(1).remaining());
      return;
    }
    long expected =
        switch (rule) {
          case AS_IS -> Math.min(t, capacity2);
          case PROPORTIONAL -> proportional(capacity1, refill1, period1Seconds, cost, elapsedNanos, capacity2);
          case RESET -> capacity2;
        };
    assertThat(now.get(0).remaining()).as("the changed limit, %s from %d of %d", rule, t, capacity1)
        .isEqualTo(expected);
    long second = renameSecondLimit || rule == StateInheritance.RESET ? kept : was.get(1).remaining();
    assertThat(now.get(1).remaining()).as("the second limit").isEqualTo(second);
  }
}
