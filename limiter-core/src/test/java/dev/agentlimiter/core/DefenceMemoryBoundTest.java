package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.core.internal.engine.Limiter;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A flood of random identities cannot grow the detectors' memory: every per-agent table stays within the
 * configured maximum, and permits that are never closed are reclaimed once the table outgrows it.
 */
class DefenceMemoryBoundTest {

  private static final int MAX_TRACKED = 5_000;

  private final FakeTimeSource clock = new FakeTimeSource();
  private final RecordingListener listener = new RecordingListener();
  private final Limiter engine =
      (Limiter)
          AgentLimiters.newBuilder()
              .timeSource(clock)
              .maximumTrackedAgents(MAX_TRACKED)
              .listener(listener)
              .build();

  private final Policy everything =
      Policy.named("everything")
          .limit(Limit.capacity(1).refill(1).per(Duration.ofHours(1)))
          .concurrency(ConcurrencyLimit.of(2).withMaxHold(Duration.ofSeconds(30)))
          .loopDetection(LoopDetection.after(3).within(Duration.ofSeconds(10)))
          .burstDetection(BurstDetection.factor(4))
          .quarantine(Quarantine.after(1).within(Duration.ofMinutes(1)))
          .reputation(Reputation.errorsAbove(10).within(Duration.ofSeconds(10)))
          .budget(Budget.named("rows").amount(1000).perDay())
          .build();

  @Test
  void aFloodOfRandomIdentitiesStaysWithinTheBound() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 200_000; i++) {
      AgentIdentity agent =
          AgentIdentity.of(Long.toHexString(random.nextLong()), IdentitySource.API_KEY);
      RequestFingerprint fp = RequestFingerprint.of(random.nextLong(), i);
      for (int r = 0; r < 3; r++) { // one admitted, two refused: quarantined
        try (Admission a = engine.enter(AgentRequest.of(agent, everything).withFingerprint(fp))) {
          a.complete(Outcome.ofStatus(500).withActualCost(3));
        }
      }
      if (i % 10_000 == 0) {
        clock.advance(Duration.ofMillis(1));
      }
    }
    assertThat(listener.of(LimiterEvent.Quarantined.class)).hasSize(200_000);
    assertThat(engine.engine.watches.size()).isLessThanOrEqualTo(MAX_TRACKED);
    assertThat(engine.engine.box.size()).isLessThanOrEqualTo(MAX_TRACKED);
    assertThat(engine.engine.budgets.size()).isLessThanOrEqualTo(MAX_TRACKED);
    assertThat(engine.admin().trackedAgents()).isLessThanOrEqualTo(MAX_TRACKED);
    assertThat(engine.engine.inFlight.busyEntries()).isZero();
    assertThat(engine.engine.inFlight.entries()).isLessThanOrEqualTo(2 * MAX_TRACKED);
  }

  @Test
  void leakedPermitsOfAgentsThatNeverReturnAreReclaimed() {
    Policy capped =
        Policy.named("capped")
            .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
            .concurrency(ConcurrencyLimit.of(2).withMaxHold(Duration.ofSeconds(30)))
            .build();
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 3 * MAX_TRACKED; i++) {
      AgentIdentity agent =
          AgentIdentity.of(Long.toHexString(random.nextLong()), IdentitySource.API_KEY);
      Admission leaked = engine.enter(AgentRequest.of(agent, capped));
      assertThat(leaked.decision().isAllowed()).isTrue(); // never closed
    }
    assertThat(engine.engine.inFlight.busyEntries()).isEqualTo(3 * MAX_TRACKED);
    assertThat(listener.of(LimiterEvent.PermitReclaimed.class)).isEmpty(); // none has expired yet
    clock.advance(Duration.ofSeconds(30)); // the permits' maximum hold
    for (int i = 0; i < 3 * MAX_TRACKED; i++) { // newcomers grow the table until it sweeps
      Admission a =
          engine.enter(
              AgentRequest.of(AgentIdentity.of("newcomer-" + i, IdentitySource.API_KEY), capped));
      a.close();
    }
    assertThat(listener.of(LimiterEvent.PermitReclaimed.class)).hasSize(3 * MAX_TRACKED);
    assertThat(engine.engine.inFlight.busyEntries()).isZero();
    assertThat(engine.engine.inFlight.entries()).isLessThanOrEqualTo(2 * MAX_TRACKED + 1);
  }
}
