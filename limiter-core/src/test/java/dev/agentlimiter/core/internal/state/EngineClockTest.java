package dev.agentlimiter.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.core.FakeTimeSource;
import java.time.Duration;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The engine clock and the cheaper clock its caches read. */
class EngineClockTest {

  @Test
  void theCacheClockFollowsReadingsWithinOneMillisecond() {
    FakeTimeSource source = new FakeTimeSource(Long.MAX_VALUE - 500_000); // wraps on the way
    EngineClock clock = new EngineClock(source);
    assertThat(clock.now()).isZero();
    assertThat(clock.cacheNow()).isZero();
    source.advanceNanos(999_999);
    assertThat(clock.now()).isEqualTo(999_999);
    assertThat(clock.cacheNow()).as("less than a millisecond behind: not written").isZero();
    source.advanceNanos(1);
    assertThat(clock.now()).isEqualTo(1_000_000);
    assertThat(clock.cacheNow()).isEqualTo(1_000_000);
    source.advance(Duration.ofMinutes(20));
    assertThat(clock.cacheNow()).as("only a reading moves it").isEqualTo(1_000_000);
    long later = clock.now();
    assertThat(clock.cacheNow()).isEqualTo(later);
    source.advanceNanos(-10);
    assertThat(clock.now()).isEqualTo(later - 10);
    assertThat(clock.cacheNow()).as("a clock stepping back is followed at once").isEqualTo(later - 10);
  }

  /**
   * The one clock's two readings agree: wall time is the anchor plus exactly the monotonic time elapsed,
   * wherever the source starts (its wrap included) and however far it moves.
   */
  @Property(tries = 300)
  void wallTimeIsTheAnchorPlusTheMonotonicTimeElapsed(
      @ForAll long start,
      @ForAll @LongRange(min = 0, max = 100L * 365 * 24 * 3600 * 1_000_000_000L) long elapsed,
      @ForAll @LongRange(min = -4_000_000_000L, max = 4_000_000_000L) long anchorSeconds) {
    Instant anchor = Instant.ofEpochSecond(anchorSeconds, 123_456_789);
    FakeTimeSource source = new FakeTimeSource(start);
    EngineClock clock = new EngineClock(source, anchor);
    source.advanceNanos(elapsed);
    long now = clock.now();
    assertThat(now).isEqualTo(elapsed);
    assertThat(clock.instant(now)).isEqualTo(anchor.plusNanos(elapsed));
    assertThat(clock.epochNanos(now))
        .isEqualTo(anchor.getEpochSecond() * 1_000_000_000L + anchor.getNano() + elapsed);
  }

  @Test
  void anAnchorOutsideTheNanosecondRangeIsRefused() {
    assertThatThrownBy(() -> new EngineClock(new FakeTimeSource(), Instant.MAX))
        .isInstanceOf(ArithmeticException.class);
  }
}
