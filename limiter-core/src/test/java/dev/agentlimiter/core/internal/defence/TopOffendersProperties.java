package dev.agentlimiter.core.internal.defence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The Space-Saving contract of {@link TopOffenders}, against an exact oracle (every event kept, counted by
 * sub-window), over random streams of up to 30 keys (three heavy ones) into sketches of 1 to 8 counters,
 * with a clock that starts anywhere (often just before {@code Long.MAX_VALUE}, so it wraps), mostly moves
 * forward within a sub-window, sometimes a sub-window or a whole window on, and sometimes back a little (as
 * readings of concurrent requests do). After every event, at the latest reading or later:
 *
 * <ul>
 *   <li>every agent refused more than {@code R / k} times in the window is listed by {@code top(k)};
 *   <li>every listed entry has {@code true ≤ refusals ≤ true + overestimate} and {@code overestimate ≤ R /
 *       k};
 *   <li>{@code top} lists at most {@code k} entries, in order, and retains at most {@code k ×}{@value
 *       TopOffenders#SUB_WINDOWS};
 *   <li>refusals older than the window are gone, exactly at its edge, wrapping or not.
 * </ul>
 */
class TopOffendersProperties {

  private static final long WINDOW_NANOS = 1_000_000_000L;
  private static final Duration WINDOW = Duration.ofNanos(WINDOW_NANOS);
  private static final long SUB_NANOS = WINDOW_NANOS / TopOffenders.SUB_WINDOWS;
  private static final Reason[] REFUSALS = {
    Reason.RATE_LIMITED, Reason.LOOP_DETECTED, Reason.CONCURRENCY_LIMITED, Reason.QUARANTINED
  };

  /** One request: its key, whether refused and why, the clock step before it, and how far ahead to read. */
  record Op(int key, boolean refused, int reason, long stepNanos, long lookAheadNanos) {}

  /** One recorded request, as the oracle keeps it. */
  record Event(int key, boolean refused, long nanos) {}

  @Provide
  Arbitrary<Long> starts() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.longs()),
        Tuple.of(3, Arbitraries.longs().between(0, 3 * WINDOW_NANOS).map(d -> Long.MAX_VALUE - d)),
        Tuple.of(1, Arbitraries.longs().between(0, WINDOW_NANOS).map(d -> Long.MIN_VALUE + d)),
        Tuple.of(1, Arbitraries.just(0L)));
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Integer> key =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.integers().between(0, 2)), // heavy
            Tuple.of(5, Arbitraries.integers().between(3, 29)));
    Arbitrary<Long> step =
        Arbitraries.frequencyOf(
            Tuple.of(10, Arbitraries.just(0L)),
            Tuple.of(10, Arbitraries.longs().between(1, SUB_NANOS / 5)),
            Tuple.of(3, Arbitraries.longs().between(SUB_NANOS / 5, 2 * SUB_NANOS)),
            Tuple.of(1, Arbitraries.longs().between(WINDOW_NANOS - SUB_NANOS, 3 * WINDOW_NANOS)),
            Tuple.of(1, Arbitraries.longs().between(-SUB_NANOS / 2, -1)));
    Arbitrary<Long> lookAhead =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.just(0L)),
            Tuple.of(3, Arbitraries.longs().between(0, 2 * WINDOW_NANOS)));
    return Combinators.combine(
            key,
            Arbitraries.integers().between(0, 9).map(r -> r < 7), // refused seven times in ten
            Arbitraries.integers().between(0, REFUSALS.length - 1),
            step,
            lookAhead)
        .as(Op::new)
        .list()
        .ofMaxSize(250);
  }

  @Property(tries = 1000)
  void theSketchKeepsTheSpaceSavingBoundsOverTheWindow(
      @ForAll @IntRange(min = 1, max = 8) int capacity,
      @ForAll("starts") long start,
      @ForAll("ops") List<Op> ops) {
    TopOffenders top = new TopOffenders(capacity, WINDOW);
    List<Event> events = new ArrayList<>();
    long now = start;
    long latest = start;
    boolean overestimated = false;
    boolean wrapped = false;
    for (Op op : ops) {
      now += op.stepNanos();
      if (now - latest > 0) {
        wrapped |= now < latest;
        latest = now;
      }
      Reason reason = op.refused() ? REFUSALS[op.reason()] : Reason.ALLOWED;
      top.record(
          key(op.key()),
          "agent-" + op.key(),
          IdentitySource.API_KEY,
          reason,
          op.refused(),
          now,
          Instant.EPOCH.plusNanos(events.size()));
      events.add(new Event(op.key(), op.refused(), now));
      long at = latest + op.lookAheadNanos();
      overestimated |= check(top, capacity, events, at);
    }
    assertThat(top.size()).isLessThanOrEqualTo(capacity * TopOffenders.SUB_WINDOWS);
    Statistics.label("overestimates").collect(overestimated);
    Statistics.label("wraps").collect(wrapped);
  }

  /** Checks the bounds of a reading at {@code at}; whether any entry was overestimated. */
  private static boolean check(TopOffenders top, int capacity, List<Event> events, long at) {
    long origin = events.get(0).nanos(); // sub-windows are aligned on the first reading recorded
    long epoch = Math.floorDiv(at - origin, SUB_NANOS);
    Map<String, Long> truth = new HashMap<>();
    long total = 0;
    for (Event e : events) {
      long age = epoch - Math.floorDiv(e.nanos() - origin, SUB_NANOS);
      if (e.refused() && age >= 0 && age < TopOffenders.SUB_WINDOWS) {
        truth.merge(key(e.key()), 1L, Long::sum);
        total++;
      }
    }
    List<TopOffenders.Entry> listed = top.top(capacity, at);
    assertThat(listed).hasSizeLessThanOrEqualTo(capacity);
    assertThat(listed).isSortedAccordingTo(TopOffendersProperties::order);
    assertThat(top.top(Integer.MAX_VALUE, at)).isEqualTo(listed);
    assertThat(top.top(1, at)).isEqualTo(listed.subList(0, Math.min(1, listed.size())));
    boolean overestimated = false;
    for (TopOffenders.Entry entry : listed) {
      long exact = truth.getOrDefault(entry.key(), 0L);
      assertThat(entry.refusals())
          .as("refusals of %s at %d, true %d", entry, at, exact)
          .isBetween(Math.max(1, exact), exact + entry.overestimate());
      assertThat(entry.overestimate() * capacity).as("overestimate of %s, total %d", entry, total).isLessThanOrEqualTo(total);
      assertThat(entry.requests()).isPositive();
      assertThat(entry.lastReason()).isIn((Object[]) REFUSALS);
      assertThat(entry.display()).isEqualTo("agent-" + entry.key().substring(1));
      overestimated |= entry.overestimate() > 0;
    }
    Set<String> keys = listed.stream().map(TopOffenders.Entry::key).collect(Collectors.toSet());
    for (Map.Entry<String, Long> t : truth.entrySet()) {
      if (t.getValue() * capacity > total) {
        assertThat(keys).as("heavy hitter %s (%d of %d) at %d", t.getKey(), t.getValue(), total, at).contains(t.getKey());
      }
    }
    if (total == 0) {
      assertThat(listed).isEmpty();
    }
    return overestimated;
  }

  /**
   * One agent refused {@code j + 1} times in sub-window {@code j} for 25 sub-windows, from just before
   * {@code Long.MAX_VALUE} (or anywhere), read at every sub-window as it goes: a reading anywhere in
   * sub-window {@code E} counts exactly the refusals of sub-windows {@code E - 9} to {@code E}, and none once
   * the window has passed.
   */
  @Property(tries = 300)
  void refusalsOlderThanTheWindowAreGoneExactlyAtItsEdge(
      @ForAll("starts") long origin,
      @ForAll @LongRange(min = 0, max = SUB_NANOS - 1) long recordOffset,
      @ForAll @LongRange(min = 0, max = SUB_NANOS - 1) long readOffset) {
    TopOffenders top = new TopOffenders(4, WINDOW);
    top.record("a", "a", IdentitySource.IP, Reason.ALLOWED, false, origin, Instant.EPOCH); // aligns
    int windows = 25;
    for (int e = 0; e < windows + TopOffenders.SUB_WINDOWS + 3; e++) {
      if (e < windows) {
        long at = origin + e * SUB_NANOS + recordOffset;
        for (int n = 0; n <= e; n++) {
          top.record("a", "a", IdentitySource.IP, Reason.RATE_LIMITED, true, at, Instant.EPOCH.plusSeconds(e));
        }
        top.record("b", "b", IdentitySource.IP, Reason.ALLOWED, false, at, Instant.EPOCH); // never listed
      }
      long expected = 0;
      for (int j = Math.max(0, e - TopOffenders.SUB_WINDOWS + 1); j <= Math.min(e, windows - 1); j++) {
        expected += j + 1;
      }
      List<TopOffenders.Entry> listed = top.top(10, origin + e * SUB_NANOS + readOffset);
      if (expected == 0) {
        assertThat(listed).as("sub-window %d", e).isEmpty();
      } else {
        assertThat(listed).as("sub-window %d", e).hasSize(1);
        TopOffenders.Entry a = listed.get(0);
        assertThat(a.refusals()).as("sub-window %d", e).isEqualTo(expected);
        assertThat(a.requests()).isEqualTo(expected);
        assertThat(a.overestimate()).isZero();
        assertThat(a.lastSeen()).isEqualTo(Instant.EPOCH.plusSeconds(Math.min(e, windows - 1)));
      }
    }
    // A window later only a new refusal is listed; a late reading for the slot it rotated is dropped, not
    // mistaken for the sub-window it overwrote.
    long later = origin + (windows + TopOffenders.SUB_WINDOWS) * SUB_NANOS;
    top.record("c", "c", IdentitySource.IP, Reason.RATE_LIMITED, true, later, Instant.EPOCH);
    top.record("a", "a", IdentitySource.IP, Reason.RATE_LIMITED, true, later - WINDOW_NANOS, Instant.EPOCH);
    assertThat(top.top(10, later)).extracting(TopOffenders.Entry::key).containsExactly("c");
    assertThat(top.size()).isLessThanOrEqualTo(4 * TopOffenders.SUB_WINDOWS);
  }

  private static String key(int i) {
    return "k" + i;
  }

  private static int order(TopOffenders.Entry a, TopOffenders.Entry b) {
    if (a.refusals() != b.refusals()) {
      return Long.compare(b.refusals(), a.refusals());
    }
    if (a.requests() != b.requests()) {
      return Long.compare(b.requests(), a.requests());
    }
    return a.key().compareTo(b.key());
  }
}
