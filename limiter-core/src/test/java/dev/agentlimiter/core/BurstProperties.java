package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Burst detection against a window-by-window simulation of its documented rule: a baseline that is an
 * exponentially weighted moving average of the per-window counts (in milli-requests, integer), decayed in
 * idle windows and reset after a whole horizon of them; a spike when a window's count exceeds {@code factor × max(baseline, minimumRate)}; one
 * event per run of spiking windows; in throttle mode, the requests over the threshold are refused until
 * the window ends.
 */
class BurstProperties {

  private static final AgentIdentity AGENT = AgentIdentity.of("agent", IdentitySource.API_KEY);
  private static final Duration WINDOW = Duration.ofSeconds(1);
  private static final int WINDOWS = 10; // baseline horizon

  @Property(tries = 500)
  void eventsAndThrottlingFollowTheRule(
      @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 40) Integer> counts,
      @ForAll @IntRange(min = 2, max = 6) int factor,
      @ForAll @IntRange(min = 1, max = 4) int minimumRate,
      @ForAll boolean throttle) {
    FakeTimeSource clock = new FakeTimeSource(5);
    RecordingListener listener = new RecordingListener();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).listener(listener).build();
    BurstDetection rule =
        BurstDetection.factor(factor)
            .withWindows(WINDOW, WINDOW.multipliedBy(WINDOWS))
            .withMinimumRate(minimumRate)
            .withMode(throttle ? BurstDetection.Mode.THROTTLE : BurstDetection.Mode.REPORT);
    Policy policy =
        Policy.named("p")
            .limit(Limit.capacity(1_000_000).refill(1_000_000).per(Duration.ofSeconds(1)))
            .burstDetection(rule)
            .build();
    // the engine's time starts at 0, so window w is [w s, w+1 s); requests go in the middle of each
    clock.advance(Duration.ofMillis(500));
    long baselineMilli = 0;
    int idleRun = 0;
    boolean spiking = false;
    int expectedEvents = 0;
    for (int w = 0; w < counts.size(); w++) {
      int count = counts.get(w);
      if (count > 0) {
        if (idleRun >= WINDOWS) {
          baselineMilli = 0; // idle for a whole horizon: the baseline starts over
        }
        idleRun = 0;
      }
      long threshold = (long) factor * Math.max(baselineMilli, minimumRate * 1000L);
      int admitted = 0;
      for (int r = 1; r <= count; r++) {
        Decision d = limiter.decide(AgentRequest.of(AGENT, policy));
        boolean over = r * 1000L > threshold;
        if (over && !spiking) {
          spiking = true;
          expectedEvents++;
        }
        if (throttle && over) {
          assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
          assertThat(d.retryAfter()).isEqualTo(Duration.ofMillis(500));
        } else {
          assertThat(d.isAllowed()).as("window %s request %s", w, r).isTrue();
          admitted++;
        }
      }
      assertThat(listener.of(LimiterEvent.BurstDetected.class)).hasSize(expectedEvents);
      if (throttle) {
        assertThat(admitted * 1000L).isLessThanOrEqualTo(Math.max(threshold, 0));
      }
      // the window closes: the engine does this lazily on the next request, the model now
      if (count * 1000L <= threshold) {
        spiking = false;
      }
      if (count == 0) {
        spiking = false; // an idle window ends a spike too
      }
      baselineMilli += (count * 1000L - baselineMilli) / WINDOWS;
      if (count == 0) {
        idleRun++;
      }
      clock.advance(WINDOW);
    }
  }

  @Test
  void aSteadyRateNeverSpikes() {
    FakeTimeSource clock = new FakeTimeSource();
    RecordingListener listener = new RecordingListener();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).listener(listener).build();
    Policy policy =
        Policy.named("p")
            .limit(Limit.capacity(1_000_000).refill(1_000_000).per(Duration.ofSeconds(1)))
            .burstDetection(BurstDetection.factor(4))
            .build();
    for (int s = 0; s < 600; s++) {
      for (int r = 0; r < 50; r++) { // 50 per second, far above the minimum rate, but steady
        limiter.decide(AgentRequest.of(AGENT, policy));
      }
      clock.advance(Duration.ofSeconds(1));
    }
    // the first second of a new agent is a spike against the minimum rate; then the baseline catches up
    assertThat(listener.of(LimiterEvent.BurstDetected.class)).hasSize(1);
  }

  @Test
  void aThrowingListenerChangesNothing() {
    FakeTimeSource clock = new FakeTimeSource();
    List<String> seen = new ArrayList<>();
    LimiterListener hostile =
        new LimiterListener() {
          @Override
          public void onEvent(LimiterEvent event) {
            seen.add(event.getClass().getSimpleName());
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onDecision(DecisionEvent event) {
            throw new IllegalStateException("listener bug");
          }
        };
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).listener(hostile).build();
    Policy policy =
        Policy.named("p")
            .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
            .burstDetection(BurstDetection.factor(2).withMode(BurstDetection.Mode.THROTTLE))
            .build();
    List<Reason> reasons = new ArrayList<>();
    for (int r = 0; r < 6; r++) {
      reasons.add(limiter.decide(AgentRequest.of(AGENT, policy)).reason());
    }
    assertThat(reasons)
        .containsExactly(
            Reason.ALLOWED, Reason.ALLOWED, Reason.ALLOWED, Reason.ALLOWED,
            Reason.RATE_LIMITED, Reason.RATE_LIMITED);
    assertThat(seen).containsExactly("BurstDetected");
  }
}
