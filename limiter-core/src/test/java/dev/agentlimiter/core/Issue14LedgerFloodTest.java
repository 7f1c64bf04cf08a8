package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.core.internal.engine.Limiter;
import dev.agentlimiter.core.internal.state.AgentKey;
import dev.agentlimiter.core.internal.state.LocalPolicyState;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 3: a flood of one-shot identities, none of which drained its own bucket, once drained the
 * eviction ledger for everyone (each slot's deficit grew by about a token per identity that landed in it),
 * until brand-new agents were refused on their first request. After the flood, newcomers must start as new
 * agents do, and drained agents, tracked or evicted, must still be exactly as drained as without the flood.
 *
 * <p>The engine runs beside a reference engine that sees only the drained agents' requests, at the same
 * times: every one of their decisions must be identical.
 */
class Issue14LedgerFloodTest {

  private static final long REQUESTS_PER_SECOND = 10_000;

  @Test
  void tenMillionOneShotsAtTenPerDayLeaveNewcomersFullAndDrainedAgentsDrained() {
    flood(Limit.capacity(10).refill(10).per(Duration.ofDays(1)), 10_000_000);
  }

  @Test
  void threeMillionOneShotsAtSixtyPerHourLeaveNewcomersFullAndDrainedAgentsDrained() {
    flood(Limit.capacity(60).refill(60).per(Duration.ofHours(1)), 3_000_000);
  }

  private static void flood(Limit limit, int identities) {
    long started = System.nanoTime();
    Policy policy = Policy.named("flooded").limit(limit).build();
    FakeTimeSource clock = new FakeTimeSource(42);
    FakeTimeSource referenceClock = new FakeTimeSource(42);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).policy(policy).build();
    AgentLimiter reference = AgentLimiters.newBuilder().timeSource(referenceClock).policy(policy).build();
    // hot: drained, and keeps coming back every second; cold: drained, then idle through the flood.
    AgentIdentity hot = AgentIdentity.of("hot-agent", IdentitySource.API_KEY);
    AgentIdentity cold = AgentIdentity.of("cold-agent", IdentitySource.API_KEY);
    for (AgentIdentity drained : new AgentIdentity[] {hot, cold}) {
      for (long i = 0; i <= limit.capacity(); i++) {
        sameDecision(limiter, reference, drained, policy);
      }
    }

    long nanosPerRequest = 1_000_000_000L / REQUESTS_PER_SECOND;
    int admitted = 0;
    int admittedLastTenth = 0;
    for (int i = 0; i < identities; i++) {
      clock.advanceNanos(nanosPerRequest);
      referenceClock.advanceNanos(nanosPerRequest);
      AgentIdentity oneShot = AgentIdentity.of("o" + Integer.toString(i, 36), IdentitySource.API_KEY);
      if (limiter.tryAcquire(oneShot, policy)) {
        admitted++;
        admittedLastTenth += i >= identities - identities / 10 ? 1 : 0;
      }
      if (i % REQUESTS_PER_SECOND == 0) {
        sameDecision(limiter, reference, hot, policy);
      }
    }
    int newcomersAdmitted = 0;
    for (int i = 0; i < 1_000; i++) {
      Decision first =
          limiter.decide(AgentRequest.of(AgentIdentity.of("new-" + i, IdentitySource.API_KEY), policy));
      if (first.isAllowed() && first.remaining() == limit.capacity() - 1) {
        newcomersAdmitted++;
      }
    }
    LocalPolicyState state = (LocalPolicyState) ((Limiter) limiter).engine.bind(policy).state;
    boolean coldTracked =
        state.store.cache.policy().getIfPresentQuietly(AgentKey.of(state, cold.id())) != null;
    Decision hotAfter = sameDecision(limiter, reference, hot, policy);
    Decision coldAfter = sameDecision(limiter, reference, cold, policy);
    System.out.printf(
        "%s, %,d one-shots: %,d admitted (%,d of the last tenth), %,d of 1,000 newcomers admitted full;"
            + " hot %s, cold %s (%s); %.1f s%n",
        limit,
        identities,
        admitted,
        admittedLastTenth,
        newcomersAdmitted,
        hotAfter.reason(),
        coldAfter.reason(),
        coldTracked ? "still tracked" : "evicted",
        (System.nanoTime() - started) / 1e9);

    assertThat(admitted).as("one-shots admitted").isEqualTo(identities);
    assertThat(newcomersAdmitted).as("newcomers admitted with a full bucket").isEqualTo(1_000);
    // sameDecision checked the drained agents against the reference; at 10 per day none had a token back.
    if (limit.refillPeriod().equals(Duration.ofDays(1))) {
      assertThat(hotAfter.isAllowed()).isFalse();
      assertThat(coldAfter.isAllowed()).isFalse();
    }
  }

  /** Decides for {@code agent} on both engines and asserts the two decisions are identical. */
  private static Decision sameDecision(
      AgentLimiter limiter, AgentLimiter reference, AgentIdentity agent, Policy policy) {
    Decision d = limiter.decide(AgentRequest.of(agent, policy));
    assertThat(d).isEqualTo(reference.decide(AgentRequest.of(agent, policy)));
    return d;
  }
}
