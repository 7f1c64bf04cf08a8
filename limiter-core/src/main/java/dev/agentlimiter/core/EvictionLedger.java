package dev.agentlimiter.core;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Remembers, in a fixed array, when evicted buckets would have been full again, so that eviction is never a
 * free reset. Each slot holds the latest "full again at" time of every evicted bucket that hashed there;
 * merging takes the maximum, so a collision can only make a returning agent's bucket <em>emptier</em>,
 * never fuller. Memory is fixed at build: 8 bytes per slot. Thread-safe (lock-free).
 */
final class EvictionLedger {

  static final long EMPTY = Long.MIN_VALUE;

  private final AtomicLongArray fullAtNanos;
  private final int mask;

  EvictionLedger(int slots) {
    if (Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots must be a power of two but was " + slots);
    }
    this.fullAtNanos = new AtomicLongArray(slots);
    this.mask = slots - 1;
    for (int i = 0; i < slots; i++) {
      fullAtNanos.set(i, EMPTY);
    }
  }

  /** Slots for a store that tracks at most {@code maximumAgents}: a quarter of that, a power of two. */
  static int slotsFor(long maximumAgents) {
    long wanted = Math.max(64, Math.min(1L << 24, maximumAgents / 4));
    return Long.bitCount(wanted) == 1 ? (int) wanted : (int) Long.highestOneBit(wanted) << 1;
  }

  int slots() {
    return mask + 1;
  }

  void record(long hash, long fullAt) {
    int i = index(hash);
    long current;
    do {
      current = fullAtNanos.get(i);
      if (current >= fullAt) {
        return;
      }
    } while (!fullAtNanos.compareAndSet(i, current, fullAt));
  }

  /** The latest "full again at" time recorded for this hash's slot, or {@link #EMPTY}. */
  long fullAt(long hash) {
    return fullAtNanos.get(index(hash));
  }

  private int index(long hash) {
    return (int) (hash ^ (hash >>> 32)) & mask;
  }
}
