package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.QuarantineStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.internal.defence.PenaltyBox;
import dev.agentlimiter.core.internal.engine.Limiter;
import dev.agentlimiter.core.internal.state.EngineClock;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Eviction is not a release: a quarantined agent squeezed out of a full penalty box is still boxed when it
 * returns; and the memory that makes this so never boxes anyone an unbounded box would not.
 */
class QuarantineEvictionProperties {

  private static final Quarantine RULE =
      Quarantine.after(1)
          .within(Duration.ofMinutes(1))
          .withDuration(Duration.ofMinutes(1), Duration.ofMinutes(16))
          .withDecayAfter(Duration.ofMinutes(5));

  /** kind 0: a refusal of agent {@code agent}; 1: a loop (boxes at once); 2: advance; 3: release. */
  record Step(int kind, int agent, long seconds) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(0, 5),
            Arbitraries.longs().between(0, 900))
        .as(Step::new)
        .list()
        .ofMaxSize(120);
  }

  /**
   * Six agents through boxes of one to three entries, beside a box that never evicts. The memory never
   * invents a quarantine: whenever the small box holds an agent, the time left is exactly what remains of
   * the quarantine it announced for that agent (a collision in the memory would box an agent without its
   * announcement, or for another agent's time). Each agent is quarantined in the small box only after at
   * least as many refusals as the unbounded box needed for its first quarantine. (The memory may forget a
   * record when two agents share a slot, so the small box can release early and quarantine again; it
   * cannot be compared quarantine by quarantine.)
   */
  @Property(tries = 1000)
  void theMemoryNeverBoxesAnInnocent(
      @ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 1, max = 3) int size) {
    FakeTimeSource source = new FakeTimeSource(17);
    EngineClock clock = new EngineClock(source);
    PenaltyBox small =
        new PenaltyBox(
            clock, size, Duration.ofMinutes(15), lane -> "lane", policy -> "policy-" + policy);
    PenaltyBox unbounded =
        new PenaltyBox(
            clock, 1_000, Duration.ofMinutes(15), lane -> "lane", policy -> "policy-" + policy);
    int[] refusals = new int[6];
    int[] firstInUnbounded = new int[6]; // refusals up to its first quarantine there, 0 if none yet
    long[] announcedEnd = new long[6];
    for (Step s : steps) {
      long now = clock.now();
      String agent = "agent-" + s.agent();
      switch (s.kind()) {
        case 0, 1 -> {
          Reason cause = s.kind() == 1 ? Reason.LOOP_DETECTED : Reason.RATE_LIMITED;
          refusals[s.agent()]++;
          if (unbounded.offence(0, agent, 7, RULE, cause, now) != null
              && firstInUnbounded[s.agent()] == 0) {
            firstInUnbounded[s.agent()] = refusals[s.agent()];
          }
          LimiterEvent.Quarantined q = small.offence(0, agent, 7, RULE, cause, now);
          if (q != null) {
            announcedEnd[s.agent()] = now + q.duration().toNanos();
            assertThat(firstInUnbounded[s.agent()])
                .as("%s: the unbounded box quarantined it by now", agent)
                .isBetween(1, refusals[s.agent()]);
          }
        }
        case 2 -> source.advance(Duration.ofSeconds(s.seconds()));
        default -> {
          small.release(0, agent, now);
          unbounded.release(0, agent, now);
        }
      }
      long at = clock.now();
      for (int a = 0; a < 6; a++) {
        long left = remainingNanos(small, 0, "agent-" + a, at);
        if (left > 0) {
          assertThat(at + left).as("agent-%s boxed until", a).isEqualTo(announcedEnd[a]);
        }
      }
    }
  }

  /** A looping agent boxed for an hour, then 5,000 others boxed to push it out: it is still boxed. */
  @Test
  void aFloodDoesNotReleaseAQuarantinedAgent() {
    FakeTimeSource clock = new FakeTimeSource();
    Limiter engine =
        (Limiter) AgentLimiters.newBuilder().timeSource(clock).maximumTrackedAgents(64).build();
    Policy tiny =
        Policy.named("tiny")
            .lane("egress")
            .limit(Limit.capacity(1).refill(1).per(Duration.ofHours(1)))
            .quarantine(
                Quarantine.after(1).within(Duration.ofMinutes(1)).withDuration(Duration.ofHours(1)))
            .build();
    AgentIdentity victim = AgentIdentity.of("looper", IdentitySource.API_KEY);
    for (int r = 0; r < 3; r++) {
      engine.decide(AgentRequest.of(victim, tiny));
    }
    assertThat(engine.admin().quarantine(victim, "egress")).isPresent();
    for (int i = 0; i < 5_000; i++) {
      AgentIdentity other = AgentIdentity.of("flood-" + i, IdentitySource.API_KEY);
      for (int r = 0; r < 3; r++) {
        engine.decide(AgentRequest.of(other, tiny));
      }
    }
    clock.advance(Duration.ofMinutes(10));
    assertThat(engine.engine.box.size()).isLessThanOrEqualTo(64);
    int egress = 0; // the first lane bound
    assertThat(engine.engine.box.isTracked(egress, "looper")).as("the flood pushed it out").isFalse();
    Decision d = engine.decide(AgentRequest.of(victim, tiny));
    assertThat(d.reason()).isEqualTo(Reason.QUARANTINED);
    assertThat(d.retryAfter()).isEqualTo(Duration.ofMinutes(50));
    assertThat(engine.admin().quarantine(victim, "egress").orElseThrow().level()).isEqualTo(1);
    assertThat(engine.admin().release(victim, "egress")).isTrue();
  }

  /**
   * Two ids with the same {@code String.hashCode()} and length ("Aa" and "BB" blocks): the one that was boxed
   * and pushed out is remembered, the other is not boxed by its memory. Fails if the memory's tag is derived
   * from {@code String.hashCode()}, as it once was (seen: 199,999 of 200,000 quarantines announced in
   * {@code DefenceMemoryBoundTest}, one agent silently boxed by another's record).
   */
  @Test
  void idsThatShareAStringHashCodeNeverShareAQuarantine() {
    String boxed = "BB".repeat(8);
    String innocent = "Aa".repeat(8);
    assertThat(innocent.hashCode()).isEqualTo(boxed.hashCode());
    FakeTimeSource source = new FakeTimeSource(17);
    EngineClock clock = new EngineClock(source);
    PenaltyBox box =
        new PenaltyBox(
            clock, 1, Duration.ofMinutes(15), lane -> "lane", policy -> "policy-" + policy);
    assertThat(box.offence(0, boxed, 7, RULE, Reason.LOOP_DETECTED, clock.now())).isNotNull();
    assertThat(box.offence(0, "pusher", 7, RULE, Reason.LOOP_DETECTED, clock.now())).isNotNull();
    assertThat(box.isTracked(0, boxed)).as("pushed out").isFalse();
    assertThat(remainingNanos(box, 0, innocent, clock.now())).isZero();
    assertThat(remainingNanos(box, 0, boxed, clock.now())).isEqualTo(Duration.ofMinutes(1).toNanos());
    QuarantineStatus recalled = java.util.Objects.requireNonNull(box.status(0, boxed, clock.now()));
    assertThat(recalled.policy()).as("the remembered record keeps who boxed it").isEqualTo("policy-7");
    assertThat(recalled.cause()).isEqualTo(Reason.LOOP_DETECTED);
  }

  /** Time left in quarantine in the lane, or 0, as the engine reads it. */
  private static long remainingNanos(PenaltyBox box, int lane, String agent, long now) {
    QuarantineStatus q = box.status(lane, agent, now);
    return q == null ? 0 : q.remaining().toNanos();
  }
}
