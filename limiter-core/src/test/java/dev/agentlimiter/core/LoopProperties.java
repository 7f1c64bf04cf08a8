package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Loop detection: it never touches distinct requests, catches repeats at the threshold, and lets go. */
class LoopProperties {

  private static final AgentIdentity AGENT = AgentIdentity.of("agent", IdentitySource.API_KEY);

  private static AgentLimiter limiter(FakeTimeSource clock) {
    return AgentLimiters.newBuilder().timeSource(clock).build();
  }

  private static Policy policy(LoopDetection loops) {
    return Policy.named("p")
        .limit(Limit.capacity(1_000_000_000L).refill(1_000_000_000L).per(Duration.ofSeconds(1)))
        .loopDetection(loops)
        .build();
  }

  /**
   * An agent whose requests are all distinct is never refused as a loop, whatever the timing, the
   * threshold and the table size (small tables are recycled constantly), even when fingerprints share one
   * half.
   */
  @Property(tries = 500)
  void distinctRequestsAreNeverALoop(
      @ForAll @Size(min = 1, max = 200) List<@LongRange(min = 0, max = 2_000_000_000L) Long> gaps,
      @ForAll @IntRange(min = 1, max = 5) int repeats,
      @ForAll @IntRange(min = 1, max = 4) int tracked,
      @ForAll @LongRange(min = 1, max = 1 << 20) long sharedHalf) {
    FakeTimeSource clock = new FakeTimeSource();
    AgentLimiter limiter = limiter(clock);
    Policy policy =
        policy(
            LoopDetection.after(repeats)
                .within(Duration.ofSeconds(30))
                .withTrackedFingerprints(tracked));
    long n = 0;
    for (long gap : gaps) {
      clock.advanceNanos(gap);
      n++;
      RequestFingerprint fp =
          n % 2 == 0 ? RequestFingerprint.of(sharedHalf, n) : RequestFingerprint.of(n, sharedHalf);
      Decision d = limiter.decide(AgentRequest.of(AGENT, policy).withFingerprint(fp));
      assertThat(d.reason()).as("request %s", n).isEqualTo(Reason.ALLOWED);
    }
  }

  /**
   * The same unsafe request (a POST: repeating a write is itself the anomaly) more than {@code repeats}
   * times within the window: the first {@code repeats} pass,
   * the next is refused, whatever the spacing inside the window; refusals keep coming while the agent keeps
   * hammering, each retry-after at least the doubling backoff; and a client that waits exactly the
   * retry-after is let through.
   */
  @Property(tries = 500)
  void repeatsAreCaughtAtTheThresholdAndReleasedAfterTheRetryAfter(
      @ForAll @IntRange(min = 1, max = 8) int repeats,
      @ForAll @Size(min = 9, max = 9) List<@LongRange(min = 0, max = 1_000_000_000L) Long> gaps,
      @ForAll @IntRange(min = 1, max = 6) int hammering) {
    FakeTimeSource clock = new FakeTimeSource(Long.MAX_VALUE - 3_000_000_000L);
    AgentLimiter limiter = limiter(clock);
    Duration window = Duration.ofSeconds(10); // the nine gaps add up to at most 9 s < window
    Duration backoff = Duration.ofMillis(500);
    Duration maxBackoff = Duration.ofSeconds(20);
    Policy policy =
        policy(LoopDetection.after(repeats).within(window).withBackoff(backoff, maxBackoff));
    RequestFingerprint same = RequestFingerprint.builder("POST", "/x").build();
    AgentRequest request = AgentRequest.of(AGENT, policy).withFingerprint(same);
    for (int i = 0; i < repeats; i++) {
      assertThat(limiter.decide(request).isAllowed()).as("repeat %s", i + 1).isTrue();
      clock.advanceNanos(gaps.get(i));
    }
    Decision refused = limiter.decide(request);
    assertThat(refused.reason()).isEqualTo(Reason.LOOP_DETECTED);
    long expectedBackoff = backoff.toNanos();
    for (int i = 1; i < hammering; i++) {
      Decision again = limiter.decide(request);
      assertThat(again.reason()).isEqualTo(Reason.LOOP_DETECTED);
      expectedBackoff = Math.min(maxBackoff.toNanos(), expectedBackoff * 2);
      assertThat(again.retryAfter().toNanos())
          .as("retry-after grows while the loop continues")
          .isGreaterThanOrEqualTo(expectedBackoff);
      refused = again;
    }
    clock.advance(refused.retryAfter().minusNanos(1));
    assertThat(limiter.decide(request).reason()).as("one nanosecond early").isEqualTo(Reason.LOOP_DETECTED);
    // that early attempt counted too; its own retry-after is what a client must wait now
    Decision early = limiter.decide(AgentRequest.of(AGENT, policy).withFingerprint(same));
    clock.advance(early.retryAfter());
    assertThat(limiter.decide(request).isAllowed()).as("waiting the exact retry-after").isTrue();
    assertThat(
            limiter
                .decide(
                    AgentRequest.of(AGENT, policy)
                        .withFingerprint(RequestFingerprint.builder("POST", "/y").build()))
                .isAllowed())
        .as("another request is unaffected")
        .isTrue();
  }
}
