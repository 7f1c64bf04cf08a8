package dev.agentlimiter.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Eight threads on a ledger of one set of eight ways, each owning six tags (48 tags for 8 ways): every put
 * competes with the others, as evictions of colliding keys do. Like a cache entry, a tag is put (evicted)
 * only after it was taken (rebuilt), so its owner knows its last record. Invariants:
 *
 * <ul>
 *   <li>a take returns the owner's last record word for word, or nothing (a lost record), never another
 *       tag's, an older version, or a mix of two (torn);
 *   <li>a peek by any thread of any tag returns one whole record of that tag;
 *   <li>every record that was put and then not found was counted as lost, and only those.
 * </ul>
 */
class EvictionLedgerConcurrencyTest {

  private static final int THREADS = 8;
  private static final int TAGS_PER_THREAD = 6;
  private static final int STATE_LONGS = 9;

  private static long tag(int owner, int i) {
    return AgentKey.mix(owner * 100L + i) & 0xFFFF_FFFFL; // one set: the high half is zero
  }

  /** Version {@code v} of a tag's words: word 0 is the version, the others depend on tag and version. */
  private static long[] state(long tag, long version) {
    long[] s = new long[STATE_LONGS];
    s[0] = version;
    for (int k = 1; k < STATE_LONGS; k++) {
      s[k] = AgentKey.mix(tag ^ (version * 0x9E37_79B9_7F4A_7C15L) + k);
    }
    return s;
  }

  private static void assertWhole(long tag, long[] s) {
    assertThat(s).as("record of tag %x, version %d", tag, s[0]).isEqualTo(state(tag, s[0]));
  }

  @RepeatedTest(5)
  void noRecordIsTornMixedUpOrLostUncounted() throws Exception {
    EvictionLedger ledger = new EvictionLedger(EvictionLedger.WAYS, STATE_LONGS);
    AtomicLong missing = new AtomicLong();
    AtomicLong now = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int owner = t;
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  SplittableRandom random = new SplittableRandom(owner);
                  long[] version = new long[TAGS_PER_THREAD];
                  boolean[] inLedger = new boolean[TAGS_PER_THREAD];
                  long[] out = new long[STATE_LONGS];
                  for (int i = 0; i < 200_000; i++) {
                    int k = random.nextInt(TAGS_PER_THREAD);
                    long tag = tag(owner, k);
                    long at = now.incrementAndGet();
                    if (!inLedger[k]) { // evicted: its state goes to the ledger, unfull for a while
                      ledger.put(tag, at + 1_000_000_000L + random.nextInt(1_000_000), at, state(tag, ++version[k]));
                      inLedger[k] = true;
                    } else if (random.nextInt(4) == 0) { // someone inspects another thread's agent
                      int other = random.nextInt(THREADS);
                      long otherTag = tag(other, random.nextInt(TAGS_PER_THREAD));
                      if (ledger.peek(otherTag, out)) {
                        assertWhole(otherTag, out);
                      }
                    } else { // the agent returns: its own last record, or nothing
                      if (ledger.take(tag, out)) {
                        assertThat(out).isEqualTo(state(tag, version[k]));
                      } else {
                        missing.incrementAndGet();
                      }
                      inLedger[k] = false;
                    }
                  }
                  for (int k = 0; k < TAGS_PER_THREAD; k++) {
                    if (inLedger[k]) {
                      if (ledger.take(tag(owner, k), out)) {
                        assertThat(out).isEqualTo(state(tag(owner, k), version[k]));
                      } else {
                        missing.incrementAndGet();
                      }
                    }
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    // Priorities stay ahead of every put's clock, so no record is ever stale: every one lost is counted.
    assertThat(missing.get()).isPositive().isEqualTo(ledger.lostRecords());
  }
}
