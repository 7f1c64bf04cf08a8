package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.QuarantineStatus;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** The penalty box: bounded, always ends, escalates by doubling, decays, and is per lane. */
class QuarantineProperties {

  private static final AgentIdentity AGENT = AgentIdentity.of("agent", IdentitySource.API_KEY);

  /**
   * Whatever the agent does (bursts of requests against a one-token bucket, pauses of any length), every
   * quarantine lasts between the first duration and the maximum, its level follows the doubling exactly,
   * a quarantined request touches no bucket, and once the maximum has passed without requests the agent
   * is free.
   */
  @Property(tries = 300)
  void quarantineIsBoundedEscalatesAndAlwaysEnds(
      @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 30) Integer> bursts,
      @ForAll @Size(min = 40, max = 40) List<@LongRange(min = 0, max = 7_200_000L) Long> pausesMillis,
      @ForAll @IntRange(min = 1, max = 5) int denials,
      @ForAll @IntRange(min = 1, max = 600) int firstSeconds,
      @ForAll @IntRange(min = 0, max = 6) int doublings) {
    FakeTimeSource clock = new FakeTimeSource(Long.MIN_VALUE + 1);
    RecordingListener listener = new RecordingListener();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).listener(listener).build();
    Duration first = Duration.ofSeconds(firstSeconds);
    Duration maximum = first.multipliedBy(1L << doublings).plusSeconds(doublings);
    Quarantine box =
        Quarantine.after(denials)
            .within(Duration.ofMinutes(1))
            .withDuration(first, maximum)
            .withDecayAfter(Duration.ofMinutes(30));
    Policy tiny =
        Policy.named("tiny")
            .lane("work")
            .limit(Limit.capacity(1).refill(1).per(Duration.ofMinutes(10)))
            .quarantine(box)
            .build();
    for (int i = 0; i < bursts.size(); i++) {
      for (int r = 0; r < bursts.get(i); r++) {
        Optional<QuarantineStatus> before = limiter.admin().quarantine(AGENT, "work");
        long tokens = limiter.admin().inspect(AGENT, tiny).get(0).remaining();
        Decision d = limiter.decide(AgentRequest.of(AGENT, tiny));
        if (before.isPresent()) {
          assertThat(d.reason()).isEqualTo(Reason.QUARANTINED);
          assertThat(d.retryAfter()).isEqualTo(before.get().remaining());
          assertThat(limiter.admin().inspect(AGENT, tiny).get(0).remaining())
              .as("a quarantined request touches no bucket")
              .isEqualTo(tokens);
        }
        limiter.admin().quarantine(AGENT, "work").ifPresent(q -> {
          assertThat(q.remaining()).isLessThanOrEqualTo(maximum).isPositive();
          assertThat(q.level()).isBetween(1, 62);
        });
      }
      clock.advance(Duration.ofMillis(pausesMillis.get(i)));
    }
    for (LimiterEvent.Quarantined q : listener.of(LimiterEvent.Quarantined.class)) {
      long expected = first.toNanos();
      for (int l = 1; l < q.level(); l++) {
        expected = Math.min(maximum.toNanos(), expected * 2);
      }
      assertThat(q.duration().toNanos()).isEqualTo(Math.min(expected, maximum.toNanos()));
      assertThat(q.duration()).isBetween(first, maximum);
      assertThat(q.lane()).isEqualTo("work");
    }
    clock.advance(maximum);
    assertThat(limiter.admin().quarantine(AGENT, "work")).as("the quarantine always ends").isEmpty();
    assertThat(limiter.admin().quarantined()).isEmpty();
  }

  /**
   * Escalation and decay, exactly: each repeat offence doubles the quarantine up to the maximum; each
   * decay period of good behaviour after a quarantine lowers the level by one.
   */
  @Property(tries = 200)
  void repeatOffencesDoubleAndGoodBehaviourDecays(
      @ForAll @IntRange(min = 1, max = 8) int offences,
      @ForAll @IntRange(min = 0, max = 4) int decays) {
    FakeTimeSource clock = new FakeTimeSource();
    RecordingListener listener = new RecordingListener();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).listener(listener).build();
    Duration decay = Duration.ofHours(1);
    Policy tiny =
        Policy.named("tiny")
            .limit(Limit.capacity(1).refill(1).per(Duration.ofDays(1)))
            .quarantine(
                Quarantine.after(1)
                    .within(Duration.ofMinutes(1))
                    .withDuration(Duration.ofMinutes(1), Duration.ofMinutes(16))
                    .withDecayAfter(decay))
            .build();
    limiter.decide(AgentRequest.of(AGENT, tiny)); // the only token
    for (int i = 1; i <= offences; i++) {
      limiter.decide(AgentRequest.of(AGENT, tiny));
      limiter.decide(AgentRequest.of(AGENT, tiny)); // the second refusal within the minute
      QuarantineStatus q = limiter.admin().quarantine(AGENT, Policy.DEFAULT_LANE).orElseThrow();
      assertThat(q.level()).isEqualTo(i);
      assertThat(q.remaining()).isEqualTo(Duration.ofMinutes(Math.min(16, 1L << (i - 1))));
      clock.advance(q.remaining());
    }
    clock.advance(decay.multipliedBy(decays));
    Decision d1 = limiter.decide(AgentRequest.of(AGENT, tiny));
    Decision d2 = limiter.decide(AgentRequest.of(AGENT, tiny));
    QuarantineStatus q =
        limiter.admin().quarantine(AGENT, Policy.DEFAULT_LANE).orElseThrow(() -> new AssertionError(d1 + " " + d2));
    int level = Math.max(0, offences - decays) + 1;
    assertThat(q.level()).isEqualTo(level);
    assertThat(q.remaining()).isEqualTo(Duration.ofMinutes(Math.min(16, 1L << (level - 1))));
    assertThat(listener.of(LimiterEvent.Quarantined.class)).hasSize(offences + 1);
  }
}
