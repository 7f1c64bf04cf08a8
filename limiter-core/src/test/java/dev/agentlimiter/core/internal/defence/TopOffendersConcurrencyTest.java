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
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Eight threads recording 100,000 requests each, four heavy keys and 10,000 light ones, into two sketches at
 * once. Each thread walks its own clock through nine sub-windows from just before {@code Long.MAX_VALUE}
 * (so readings wrap, and threads rotate sub-windows while others still write the previous ones). After the
 * join, against exact counts kept per thread:
 *
 * <ul>
 *   <li>a sketch with more counters than keys counts every key's refusals exactly, so their sum is the
 *       total, with no overestimate;
 *   <li>a sketch of 256 counters lists the heavy keys first, each within its stated bounds.
 * </ul>
 */
class TopOffendersConcurrencyTest {

  private static final int THREADS = 8;
  private static final int EVENTS = 100_000;
  private static final int HEAVY = 4;
  private static final int LIGHT = 10_000;
  private static final Duration WINDOW = Duration.ofSeconds(10);
  private static final long SUB_NANOS = WINDOW.toNanos() / TopOffenders.SUB_WINDOWS;
  private static final long BASE = Long.MAX_VALUE - 4 * SUB_NANOS;

  @RepeatedTest(3)
  void heavyKeysTopTheListAndAnAmpleSketchCountsExactly() throws Exception {
    TopOffenders ample = new TopOffenders(16_384, WINDOW);
    TopOffenders small = new TopOffenders(256, WINDOW);
    // Align sub-windows on BASE before the threads start; an admitted request of an unmonitored agent.
    for (TopOffenders t : List.of(ample, small)) {
      t.record("none", "none", IdentitySource.IP, Reason.ALLOWED, false, BASE, Instant.EPOCH);
    }
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<Map<String, long[]>>> futures = new ArrayList<>();
    try {
      CountDownLatch go = new CountDownLatch(1);
      for (int t = 0; t < THREADS; t++) {
        int seed = t;
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  SplittableRandom random = new SplittableRandom(seed);
                  Map<String, long[]> counts = new HashMap<>(); // key -> {refusals, requests}
                  for (int i = 0; i < EVENTS; i++) {
                    boolean heavy = random.nextInt(10) < 4;
                    String key = heavy ? "heavy-" + random.nextInt(HEAVY) : "light-" + random.nextInt(LIGHT);
                    boolean refused = random.nextInt(10) < (heavy ? 9 : 5);
                    Reason reason = refused ? Reason.RATE_LIMITED : Reason.ALLOWED;
                    long now = BASE + (9 * SUB_NANOS / EVENTS) * i; // sub-windows 0 to 8
                    Instant wall = Instant.EPOCH.plusNanos(i);
                    ample.record(key, key, IdentitySource.API_KEY, reason, refused, now, wall);
                    small.record(key, key, IdentitySource.API_KEY, reason, refused, now, wall);
                    long[] c = counts.computeIfAbsent(key, k -> new long[2]);
                    c[0] += refused ? 1 : 0;
                    c[1]++;
                  }
                  return counts;
                }));
      }
      go.countDown();
    } finally {
      pool.shutdown();
    }
    Map<String, Long> refusals = new HashMap<>();
    Map<String, Long> requests = new HashMap<>();
    for (Future<Map<String, long[]>> f : futures) {
      for (Map.Entry<String, long[]> e : f.get().entrySet()) {
        refusals.merge(e.getKey(), e.getValue()[0], Long::sum);
        requests.merge(e.getKey(), e.getValue()[1], Long::sum);
      }
    }
    refusals.values().removeIf(n -> n == 0);
    long total = refusals.values().stream().mapToLong(Long::longValue).sum();
    long now = BASE + 9 * SUB_NANOS + SUB_NANOS / 2; // wrapped; the window holds sub-windows 0 to 9

    List<TopOffenders.Entry> all = ample.top(Integer.MAX_VALUE, now);
    assertThat(all.stream().mapToLong(TopOffenders.Entry::refusals).sum()).isEqualTo(total);
    Map<String, Long> counted = new HashMap<>();
    for (TopOffenders.Entry e : all) {
      counted.put(e.key(), e.refusals());
      assertThat(e.overestimate()).isZero();
      assertThat(e.requests()).isBetween(1L, requests.get(e.key()));
    }
    assertThat(counted).isEqualTo(refusals);

    List<TopOffenders.Entry> listed = small.top(256, now);
    assertThat(listed).hasSizeLessThanOrEqualTo(256);
    assertThat(listed.subList(0, HEAVY))
        .extracting(TopOffenders.Entry::key)
        .containsExactlyInAnyOrder("heavy-0", "heavy-1", "heavy-2", "heavy-3");
    for (TopOffenders.Entry e : listed) {
      long exact = refusals.getOrDefault(e.key(), 0L);
      assertThat(e.refusals()).as("%s, true %d", e, exact).isBetween(exact, exact + e.overestimate());
      assertThat(e.overestimate() * 256).isLessThanOrEqualTo(total);
    }
    assertThat(small.size()).isLessThanOrEqualTo(256 * TopOffenders.SUB_WINDOWS);
  }
}
