package dev.agentlimiter.core.internal.defence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

/**
 * A million distinct keys, each refused once, over two windows of a sketch of 256 counters, with one heavy
 * key refused on every twentieth request: the sketch retains at most {@code 256 ×}{@value
 * TopOffenders#SUB_WINDOWS} agents, its retained heap (JOL, the whole object graph) is at most 400 bytes an
 * entry and the same after 550,000 keys (eleven sub-windows) and after a million, and the heavy key still tops the list.
 */
class TopOffendersMemoryBoundTest {

  private static final int CAPACITY = 256;
  private static final int KEYS = 1_000_000;
  private static final Duration WINDOW = Duration.ofMinutes(10);
  private static final long MAX_BYTES_PER_ENTRY = 400;

  @Test
  void aMillionDistinctKeysRetainAtMostCapacityTimesSubWindows() {
    TopOffenders top = new TopOffenders(CAPACITY, WINDOW);
    long start = Long.MAX_VALUE - WINDOW.toNanos(); // wraps halfway
    long step = 2 * WINDOW.toNanos() / KEYS;
    long now = start;
    long bytesAtOneWindow = 0;
    for (int i = 0; i < KEYS; i++) {
      now = start + step * i;
      Instant wall = Instant.EPOCH.plusMillis(i);
      top.record("flood-" + i, "flood-" + i, IdentitySource.IP, Reason.RATE_LIMITED, true, now, wall);
      if (i % 20 == 0) {
        top.record("heavy", "heavy", IdentitySource.API_KEY, Reason.LOOP_DETECTED, true, now, wall);
      }
      assertThat(top.size()).isLessThanOrEqualTo(CAPACITY * TopOffenders.SUB_WINDOWS);
      if (i == KEYS / 2 + KEYS / 20 - 1) { // 50,000 keys a sub-window: the 11th is full, as the 10 before
        assertThat(top.size()).isEqualTo(CAPACITY * TopOffenders.SUB_WINDOWS);
        bytesAtOneWindow = GraphLayout.parseInstance(top).totalSize();
      }
    }
    assertThat(top.size()).isEqualTo(CAPACITY * TopOffenders.SUB_WINDOWS); // every sub-window full
    long bytes = GraphLayout.parseInstance(top).totalSize();
    assertThat(bytes).isLessThanOrEqualTo(CAPACITY * TopOffenders.SUB_WINDOWS * MAX_BYTES_PER_ENTRY);
    // Same count of entries of the same shape; key strings may differ in length by a few bytes.
    assertThat(bytes).isBetween(bytesAtOneWindow - 16_384, bytesAtOneWindow + 16_384);

    List<TopOffenders.Entry> listed = top.top(CAPACITY, now);
    assertThat(listed).hasSizeLessThanOrEqualTo(CAPACITY);
    TopOffenders.Entry heavy = listed.get(0);
    assertThat(heavy.key()).isEqualTo("heavy");
    assertThat(heavy.lastReason()).isEqualTo(Reason.LOOP_DETECTED);
    assertThat(heavy.source()).isEqualTo(IdentitySource.API_KEY);
    // Roughly one refusal in 21 of a window of about half a million: the true count is ~ 23,800.
    assertThat(heavy.refusals() - heavy.overestimate()).isGreaterThan(20_000);
  }
}
