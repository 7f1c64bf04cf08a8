package dev.agentlimiter.core;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Remembers, in a fixed array, when each limit of evicted buckets would have been full again, so that
 * eviction is never a free reset. Each slot holds, per limit, the latest "full again at" time of every
 * evicted bucket that hashed there; merging takes the maximum, so a collision can only make a returning
 * agent's bucket <em>emptier</em>, never fuller. Memory is fixed at build: 8 bytes per slot and limit.
 * Thread-safe (lock-free).
 */
final class EvictionLedger {

  static final long EMPTY = Long.MIN_VALUE;

  private final AtomicLongArray fullAtNanos;
  private final int mask;
  private final int limits;

  EvictionLedger(int slots, int limits) {
    if (Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots must be a power of two but was " + slots);
    }
    this.fullAtNanos = new AtomicLongArray(slots * limits);
    this.mask = slots - 1;
    this.limits = limits;
    for (int i = 0; i < slots * limits; i++) {
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

  void record(long hash, int limit, long fullAt) {
    int i = index(hash) * limits + limit;
    long current;
    do {
      current = fullAtNanos.get(i);
      if (current >= fullAt) {
        return;
      }
    } while (!fullAtNanos.compareAndSet(i, current, fullAt));
  }

  /** The latest "full again at" time recorded for a limit in this hash's slot, or {@link #EMPTY}. */
  long fullAt(long hash, int limit) {
    return fullAtNanos.get(index(hash) * limits + limit);
  }

  private int index(long hash) {
    return (int) (hash ^ (hash >>> 32)) & mask;
  }
}
