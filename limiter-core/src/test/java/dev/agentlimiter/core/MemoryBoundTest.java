package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.internal.engine.Limiter;
import dev.agentlimiter.core.internal.state.EvictionLedger;
import dev.agentlimiter.core.internal.state.LocalPolicyState;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

/**
 * A flood of two million distinct random identities against a limiter that tracks at most 100,000. The
 * tracked count and the retained heap (measured with JOL over the limiter's whole object graph) stay within
 * the bound, the fixed eviction ledger has its stated size, and an agent that drained its bucket before the
 * flood finds it still drained afterwards.
 */
class MemoryBoundTest {

  private static final long MAX_TRACKED = 100_000;
  private static final long MAX_BYTES_PER_AGENT = 200;

  @Test
  void twoMillionRandomAgentsStayWithinTheBoundAndEvictionIsNoReset() {
    FakeTimeSource clock = new FakeTimeSource(987_654_321L);
    Policy policy =
        Policy.named("flood").limit(Limit.capacity(10).refill(10).per(Duration.ofHours(1))).build();
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(clock)
            .maximumTrackedAgents(MAX_TRACKED)
            .idleExpiry(Duration.ofMinutes(1))
            .policy(policy)
            .build();
    long emptyBytes = GraphLayout.parseInstance(limiter).totalSize();
    // The fixed eviction ledger: a quarter of the bound in records, rounded up to a power of two, each
    // 16 + 24 bytes for one limit, plus its locks.
    EvictionLedger ledger = ((LocalPolicyState) ((Limiter) limiter).engine.bind(policy).state).ledger;
    long ledgerBytes = GraphLayout.parseInstance(ledger).totalSize();
    assertThat(ledger.records()).isEqualTo(32_768);
    assertThat(ledgerBytes).isBetween(32_768L * 40, 32_768L * 40 + 4_096);

    AgentIdentity victim = AgentIdentity.of("victim", IdentitySource.API_KEY);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.decide(AgentRequest.of(victim, policy)).isAllowed()).isTrue();
    }
    assertThat(limiter.decide(AgentRequest.of(victim, policy)).isAllowed()).isFalse();

    SplittableRandom random = new SplittableRandom(2026);
    long peakTracked = 0;
    for (int i = 0; i < 2_000_000; i++) {
      if (i == 1_000_000) {
        clock.advance(Duration.ofMinutes(2)); // past the idle expiry: the victim's entry goes
      }
      String id = "r" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
      limiter.tryAcquire(AgentIdentity.of(id, IdentitySource.API_KEY), policy);
      if ((i & 0xFFFF) == 0) {
        peakTracked = Math.max(peakTracked, limiter.admin().trackedAgents());
      }
    }
    long tracked = limiter.admin().trackedAgents();
    assertThat(Math.max(peakTracked, tracked)).isLessThanOrEqualTo(MAX_TRACKED);
    assertThat(tracked).isGreaterThan(MAX_TRACKED / 2);

    long bytes = GraphLayout.parseInstance(limiter).totalSize() - emptyBytes;
    long perAgent = bytes / tracked;
    System.out.printf(
        "flood: tracked=%d retained=%d B (%d B per tracked agent, empty limiter %d B, of which the"
            + " policy's eviction ledger %d B)%n",
        tracked, bytes, perAgent, emptyBytes, ledgerBytes);
    assertThat(bytes).isLessThanOrEqualTo(MAX_TRACKED * MAX_BYTES_PER_AGENT);
    assertThat(perAgent).isLessThanOrEqualTo(MAX_BYTES_PER_AGENT);

    // Two minutes at 10 per hour refilled 0.33 tokens: the victim, evicted meanwhile, is still refused,
    // and told to come back when its first token is due (6 minutes after it drained the bucket).
    Decision back = limiter.decide(AgentRequest.of(victim, policy));
    assertThat(back.reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(back.retryAfter()).isEqualTo(Duration.ofMinutes(4));
  }
}
