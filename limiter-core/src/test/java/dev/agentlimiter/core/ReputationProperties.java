package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reputation;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** AIMD reputation: bounded, multiplicative down, additive up, and full again under good behaviour. */
class ReputationProperties {

  private static final AgentIdentity AGENT = AgentIdentity.of("agent", IdentitySource.API_KEY);
  private static final Duration WINDOW = Duration.ofSeconds(10);

  /**
   * For any stream of outcomes and pauses, the factor stays within [floor, ceiling], each window moves it
   * exactly as AIMD says (computed here independently), and sustained good behaviour brings it back to the
   * ceiling within {@code ceil((ceiling - floor) / increase)} windows.
   */
  @Property(tries = 500)
  void reputationIsBoundedFollowsAimdAndRecovers(
      @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 20) Integer> failures,
      @ForAll @Size(min = 30, max = 30) List<@IntRange(min = 0, max = 20) Integer> successes,
      @ForAll @IntRange(min = 0, max = 99) int errorPercent,
      @ForAll @IntRange(min = 1, max = 99) int kept,
      @ForAll @IntRange(min = 1, max = 100) int added,
      @ForAll @IntRange(min = 1, max = 100) int a,
      @ForAll @IntRange(min = 1, max = 100) int b) {
    int floor = Math.min(a, b);
    int ceiling = Math.max(a, b);
    FakeTimeSource clock = new FakeTimeSource(7);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).build();
    Reputation rep =
        Reputation.errorsAbove(errorPercent)
            .within(WINDOW)
            .withMinimumSamples(5)
            .withSteps(kept, added)
            .withBounds(floor, ceiling);
    Policy policy =
        Policy.named("p")
            .limit(Limit.capacity(1_000_000).refill(1_000_000).per(Duration.ofSeconds(1)))
            .reputation(rep)
            .build();
    int model = ceiling;
    for (int w = 0; w < failures.size(); w++) {
      int bad = failures.get(w);
      int good = successes.get(w);
      for (int i = 0; i < bad; i++) {
        limiter.report(AGENT, policy, Outcome.failure());
      }
      for (int i = 0; i < good; i++) {
        limiter.report(AGENT, policy, Outcome.success());
      }
      clock.advance(WINDOW);
      int samples = bad + good;
      if (samples >= 5 && bad * 100L > (long) errorPercent * samples) {
        model = Math.max(floor, model * kept / 100);
      } else {
        model = Math.min(ceiling, model + added);
      }
      int actual = limiter.admin().reputationPercent(AGENT, policy);
      assertThat(actual).isEqualTo(model).isBetween(floor, ceiling);
    }
    int windows = (ceiling - floor + added - 1) / added;
    for (int w = 0; w < windows; w++) {
      limiter.report(AGENT, policy, Outcome.success());
      clock.advance(WINDOW);
    }
    assertThat(limiter.admin().reputationPercent(AGENT, policy)).isEqualTo(ceiling);
  }

  /** A lowered factor slows the agent: at 50% every request costs two tokens, and events say so. */
  @Test
  void aLoweredFactorScalesTheCost() {
    FakeTimeSource clock = new FakeTimeSource();
    RecordingListener listener = new RecordingListener();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).listener(listener).build();
    Policy policy =
        Policy.named("mail")
            .limit(Limit.capacity(10).refill(10).per(Duration.ofMinutes(1)))
            .reputation(Reputation.errorsAbove(20).within(WINDOW))
            .build();
    for (int i = 0; i < 10; i++) {
      try (Admission a = limiter.enter(AgentRequest.of(AGENT, policy))) {
        a.complete(Outcome.ofStatus(i < 5 ? 550 : 250)); // half bounce
      }
    }
    clock.advance(WINDOW);
    assertThat(limiter.admin().reputationPercent(AGENT, policy)).isEqualTo(50);
    assertThat(listener.of(LimiterEvent.ReputationChanged.class))
        .containsExactly(new LimiterEvent.ReputationChanged("agent", "mail", 100, 50));
    clock.advance(Duration.ofMinutes(1)); // refilled to 10; the factor rises by 10 per idle window
    int percent = limiter.admin().reputationPercent(AGENT, policy);
    assertThat(percent).isEqualTo(100);
    // back at 100%: a bad window again, then spend at 50%
    for (int i = 0; i < 10; i++) {
      limiter.report(AGENT, policy, Outcome.failure());
    }
    clock.advance(WINDOW);
    clock.advance(Duration.ofMinutes(1)); // full bucket, factor 50 + 6 windows * 10 = 100 again
    assertThat(limiter.admin().reputationPercent(AGENT, policy)).isEqualTo(100);
    for (int i = 0; i < 10; i++) {
      limiter.report(AGENT, policy, Outcome.failure());
    }
    clock.advance(WINDOW);
    assertThat(limiter.admin().reputationPercent(AGENT, policy)).isEqualTo(50);
    int admitted = 0;
    while (limiter.decide(AgentRequest.of(AGENT, policy)).isAllowed()) {
      admitted++;
    }
    assertThat(admitted).as("10 tokens at 2 per request").isEqualTo(5);
  }
}
