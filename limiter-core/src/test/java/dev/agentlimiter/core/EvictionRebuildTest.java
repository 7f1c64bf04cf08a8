package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RateLimitStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Regression: the ledger once kept one time per slot for all limits, and rebuilt a bucket whose long limit
 * was not yet full as empty in every limit until that time. A burst + hourly agent was then refused for
 * the better part of an hour after each eviction, and each eviction pushed the time further out.
 */
class EvictionRebuildTest {

  @Test
  void aRebuiltBucketKeepsEachLimitAsItWas() {
    FakeTimeSource clock = new FakeTimeSource(5);
    AgentLimiter limiter =
        AgentLimiters.newBuilder().timeSource(clock).idleExpiry(Duration.ofSeconds(1)).build();
    Policy policy =
        Policy.named("burst-and-hourly")
            .limit(Limit.capacity(2).refill(1).per(Duration.ofSeconds(1)).named("burst"))
            .limit(Limit.capacity(6).refill(6).per(Duration.ofHours(1)).named("hourly"))
            .build();
    AgentIdentity alice = AgentIdentity.of("alice", IdentitySource.API_KEY);
    AgentIdentity bob = AgentIdentity.of("bob", IdentitySource.API_KEY);
    for (int round = 0; round < 3; round++) {
      assertThat(limiter.decide(AgentRequest.of(alice, policy)).isAllowed()).isTrue();
      clock.advance(Duration.ofSeconds(2)); // alice idles past the expiry; bob's request evicts her
      limiter.decide(AgentRequest.of(bob, policy));
      assertThat(limiter.admin().inspect(alice, policy))
          .extracting(RateLimitStatus::remaining)
          .containsExactly(2L, 5L - round);
    }
    Decision last = limiter.decide(AgentRequest.of(alice, policy));
    assertThat(last.isAllowed()).isTrue();
    assertThat(last.limits()).extracting(RateLimitStatus::remaining).containsExactly(1L, 2L);
  }
}
