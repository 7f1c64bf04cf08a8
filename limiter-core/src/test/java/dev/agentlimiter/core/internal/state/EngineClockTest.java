package dev.agentlimiter.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.core.FakeTimeSource;
import java.time.Duration;
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
}
