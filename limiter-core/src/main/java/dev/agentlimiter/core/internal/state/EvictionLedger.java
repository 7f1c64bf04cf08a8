package dev.agentlimiter.core.internal.state;

import java.util.concurrent.atomic.LongAdder;

/**
 * The exact state of evicted buckets of one policy, so that eviction is never a reset: each record is
 * tagged with the 64-bit hash of its (policy, agent) key and holds Bucket4j's state words bit for bit, and
 * only a key with that tag gets them back. Memory is fixed at build: {@code 8 × (2 + stateLongs)} bytes per
 * record.
 *
 * <p>Records live in sets of {@value #WAYS} ways, chosen by the tag. A record displaces another tag's
 * record only if that one is <em>stale</em> (its bucket would be full by now) or the new one stays unfull
 * longer (a later {@code priority}: the time every limit is full again); otherwise the new record is
 * dropped. So a record is lost only while {@value #WAYS} records of its set stay unfull at least as long,
 * and a drained agent is displaced only by agents drained longer, never by shallow one-shots.
 *
 * <p>Thread-safe: every access holds the lock of the record's set (striped), so no torn record is ever
 * read.
 */
public final class EvictionLedger {

  /** Records per set. */
  static final int WAYS = 8;

  /** The offsets in a record: its tag, its priority, then the state words. */
  private static final int TAG = 0;

  private static final int PRIORITY = 1;
  private static final int STATE = 2;

  /** The priority of a free way. Recorded priorities are clamped above it. */
  private static final long FREE = Long.MIN_VALUE;

  private static final int STRIPES = 64;

  private final long[] records;
  private final Object[] locks = new Object[STRIPES];
  private final int stateLongs;
  private final int stride;
  private final int setMask;
  private final LongAdder lost = new LongAdder();

  /**
   * @param records the number of records, a power of two and at least {@link #WAYS}
   * @param stateLongs the number of state words per record
   */
  EvictionLedger(int records, int stateLongs) {
    if (Integer.bitCount(records) != 1 || records < WAYS) {
      throw new IllegalArgumentException(
          "records must be a power of two >= " + WAYS + " but was " + records);
    }
    this.stateLongs = stateLongs;
    this.stride = STATE + stateLongs;
    this.records = new long[Math.multiplyExact(records, stride)];
    this.setMask = records / WAYS - 1;
    for (int at = 0; at < this.records.length; at += stride) {
      this.records[at + PRIORITY] = FREE;
    }
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  /** Slots of the fixed tables of other state (penalty box, budgets): a quarter, a power of two, ≥ 64. */
  public static int slotsFor(long maximumAgents) {
    long wanted = Math.max(64, Math.min(1L << 24, maximumAgents / 4));
    return Long.bitCount(wanted) == 1 ? (int) wanted : (int) Long.highestOneBit(wanted) << 1;
  }

  /**
   * Records for a store that tracks at most {@code maximumAgents}: a quarter of that, a power of two, at
   * least 256 (32 sets) and at most 2<sup>24</sup>.
   */
  static int recordsFor(long maximumAgents) {
    return Math.max(256, slotsFor(maximumAgents));
  }

  public int records() {
    return records.length / stride;
  }

  /** Records displaced or dropped while their bucket was not yet full again; see {@link #put}. */
  public long lostRecords() {
    return lost.sum();
  }

  /**
   * Keeps {@code state} under {@code tag}: over the tag's own record, in a free way, or over the way whose
   * record is full again soonest, if that one is stale ({@code priority <= nowNanos}) or full again before
   * {@code priority}. Otherwise drops the new record. A record lost while its bucket was not yet full
   * again, whether displaced or dropped, is counted in {@link #lostRecords}.
   *
   * @param priority when every limit of the bucket is full again
   */
  void put(long tag, long priority, long nowNanos, long[] state) {
    long p = Math.max(priority, FREE + 1);
    int base = set(tag);
    synchronized (lock(base)) {
      int victim = -1;
      long victimPriority = Long.MAX_VALUE;
      for (int w = 0, at = base; w < WAYS; w++, at += stride) {
        long wayPriority = records[at + PRIORITY];
        if (wayPriority != FREE && records[at + TAG] == tag) {
          write(at, tag, p, state);
          return;
        }
        if (victim < 0 || wayPriority < victimPriority) {
          victim = at;
          victimPriority = wayPriority;
        }
      }
      boolean stale = victimPriority <= nowNanos; // a free way is stale too
      if (stale || p > victimPriority) {
        if (!stale) {
          lost.increment();
        }
        write(victim, tag, p, state);
      } else if (p > nowNanos) {
        lost.increment();
      }
    }
  }

  private void write(int at, long tag, long priority, long[] state) {
    records[at + TAG] = tag;
    records[at + PRIORITY] = priority;
    System.arraycopy(state, 0, records, at + STATE, stateLongs);
  }

  /** Copies the record of {@code tag} into {@code state} and frees it; false, touching nothing, if none. */
  boolean take(long tag, long[] state) {
    return read(tag, state, true);
  }

  /** Copies the record of {@code tag} into {@code state}, keeping it; false if none. */
  boolean peek(long tag, long[] state) {
    return read(tag, state, false);
  }

  /** What {@link #forEach} hands each record to. */
  interface Visitor {
    /** One record: its tag, its priority, and a copy of its state words. */
    void record(long tag, long priority, long[] state);
  }

  /**
   * Hands a copy of every record to {@code visitor}, one set at a time under its lock (the visitor runs
   * outside it). Records written meanwhile may or may not be seen.
   */
  void forEach(Visitor visitor) {
    int sets = records.length / (WAYS * stride);
    for (int set = 0; set < sets; set++) {
      int base = set * WAYS * stride;
      long[][] copies = new long[WAYS][];
      long[] tags = new long[WAYS];
      long[] priorities = new long[WAYS];
      int n = 0;
      synchronized (lock(base)) {
        for (int w = 0, at = base; w < WAYS; w++, at += stride) {
          if (records[at + PRIORITY] != FREE) {
            tags[n] = records[at + TAG];
            priorities[n] = records[at + PRIORITY];
            copies[n] = java.util.Arrays.copyOfRange(records, at + STATE, at + STATE + stateLongs);
            n++;
          }
        }
      }
      for (int i = 0; i < n; i++) {
        visitor.record(tags[i], priorities[i], copies[i]);
      }
    }
  }

  /** Frees the record of {@code tag}, if any. */
  void remove(long tag) {
    int base = set(tag);
    synchronized (lock(base)) {
      int at = find(base, tag);
      if (at >= 0) {
        records[at + PRIORITY] = FREE;
      }
    }
  }

  private boolean read(long tag, long[] state, boolean take) {
    int base = set(tag);
    synchronized (lock(base)) {
      int at = find(base, tag);
      if (at < 0) {
        return false;
      }
      System.arraycopy(records, at + STATE, state, 0, stateLongs);
      if (take) {
        records[at + PRIORITY] = FREE;
      }
      return true;
    }
  }

  private int find(int base, long tag) {
    for (int w = 0, at = base; w < WAYS; w++, at += stride) {
      if (records[at + PRIORITY] != FREE && records[at + TAG] == tag) {
        return at;
      }
    }
    return -1;
  }

  /** The set a tag's record goes to. */
  int setOf(long tag) {
    return (int) (tag >>> 32) & setMask;
  }

  /** The first index of the tag's set. */
  private int set(long tag) {
    return setOf(tag) * WAYS * stride;
  }

  private Object lock(int base) {
    return locks[(base / (WAYS * stride)) & (STRIPES - 1)];
  }
}
