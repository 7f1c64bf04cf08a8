package dev.agentlimiter.core.internal.defence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounds {@link TopOffenders} validates, its order and what an entry reports. */
class TopOffendersTest {

  private static final Duration WINDOW = Duration.ofMinutes(10);
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  @Test
  void capacityAndWindowAreValidated() {
    assertThatThrownBy(() -> new TopOffenders(0, WINDOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topOffenders: capacity must be between 1 and 65536 but was 0");
    assertThatThrownBy(() -> new TopOffenders(65_537, WINDOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topOffenders: capacity must be between 1 and 65536 but was 65537");
    assertThatThrownBy(() -> new TopOffenders(256, Duration.ofMillis(999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topOffenders: window must be between 1 s and 365 days but was PT0.999S");
    assertThatThrownBy(() -> new TopOffenders(256, Duration.ofDays(366)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topOffenders: window must be between 1 s and 365 days but was PT8784H");
    assertThatThrownBy(() -> new TopOffenders(256, WINDOW).top(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topOffenders: limit must be at least 1 but was 0");
    new TopOffenders(1, Duration.ofSeconds(1));
    new TopOffenders(65_536, Duration.ofDays(365));
  }

  @Test
  void mostRefusalsFirstThenMostRequestsThenKey() {
    TopOffenders top = new TopOffenders(16, WINDOW);
    assertThat(top.top(10, 0)).isEmpty();
    refuse(top, "b", 2, 0);
    refuse(top, "a", 2, 0);
    refuse(top, "c", 2, 0);
    allow(top, "c", 1);
    refuse(top, "d", 3, 0);
    allow(top, "e", 5); // never refused: not listed
    assertThat(top.top(10, 0)).extracting(TopOffenders.Entry::key).containsExactly("d", "c", "a", "b");
    assertThat(top.top(2, 0)).extracting(TopOffenders.Entry::key).containsExactly("d", "c");
  }

  @Test
  void anEntryReportsItsLastRefusalAndLastRequestWhileMonitored() {
    TopOffenders top = new TopOffenders(16, WINDOW); // sub-windows of a minute
    long second = Duration.ofSeconds(1).toNanos();
    top.record("api_key:a", "a", IdentitySource.API_KEY, Reason.ALLOWED, false, 0, T0); // not monitored yet
    top.record("api_key:a", "a", IdentitySource.API_KEY, Reason.RATE_LIMITED, true, second, T0.plusSeconds(1));
    top.record("api_key:a", "a", IdentitySource.API_KEY, Reason.LOOP_DETECTED, true, 10 * second, T0.plusSeconds(10));
    top.record("api_key:a", "a", IdentitySource.API_KEY, Reason.ALLOWED, false, 20 * second, T0.plusSeconds(20));
    TopOffenders.Entry expected =
        new TopOffenders.Entry("api_key:a", "a", IdentitySource.API_KEY, 2, 3, 0, Reason.LOOP_DETECTED, T0.plusSeconds(20));
    assertThat(top.top(1, 20 * second)).containsExactly(expected);
    // In the next sub-window the agent is not monitored until refused there: an admitted request is not seen.
    top.record("api_key:a", "a", IdentitySource.API_KEY, Reason.ALLOWED, false, 70 * second, T0.plusSeconds(70));
    assertThat(top.top(1, 70 * second)).containsExactly(expected);
    top.record("api_key:a", "a", IdentitySource.API_KEY, Reason.QUARANTINED, true, 80 * second, T0.plusSeconds(80));
    assertThat(top.top(1, 80 * second))
        .containsExactly(
            new TopOffenders.Entry("api_key:a", "a", IdentitySource.API_KEY, 3, 4, 0, Reason.QUARANTINED, T0.plusSeconds(80)));
  }

  @Test
  void aFullSketchReplacesTheMinimumAndStatesTheOverestimate() {
    TopOffenders top = new TopOffenders(2, WINDOW);
    refuse(top, "a", 3, 0);
    refuse(top, "b", 1, 0);
    refuse(top, "c", 1, 0); // replaces b: 1 + 1, of which 1 may be b's
    List<TopOffenders.Entry> listed = top.top(10, 0);
    assertThat(listed).extracting(TopOffenders.Entry::key).containsExactly("a", "c");
    assertThat(listed.get(1).refusals()).isEqualTo(2);
    assertThat(listed.get(1).overestimate()).isEqualTo(1);
    assertThat(listed.get(1).requests()).isEqualTo(1);
  }

  private static void refuse(TopOffenders top, String key, int times, long nanos) {
    for (int i = 0; i < times; i++) {
      top.record(key, key, IdentitySource.IP, Reason.RATE_LIMITED, true, nanos, T0);
    }
  }

  private static void allow(TopOffenders top, String key, int times) {
    for (int i = 0; i < times; i++) {
      top.record(key, key, IdentitySource.IP, Reason.ALLOWED, false, 0, T0);
    }
  }
}
