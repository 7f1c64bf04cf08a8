package dev.agentlimiter.micrometer;

import io.micrometer.core.instrument.Counter;
import java.util.Arrays;
import java.util.function.LongFunction;

/**
 * Counters by a packed {@code long} key: a sorted array of the keys seen, replaced whole (copy on write)
 * when a new key arrives. A read is one volatile load and a binary search and allocates nothing; a write
 * copies the table under a lock, once per key, and the tag bounds bound the keys. Thread-safe.
 */
final class CounterTable {

  private static final class Snapshot {
    final long[] keys;
    final Counter[] counters;

    Snapshot(long[] keys, Counter[] counters) {
      this.keys = keys;
      this.counters = counters;
    }
  }

  private volatile Snapshot snapshot = new Snapshot(new long[0], new Counter[0]);

  /**
   * The counter of {@code key}, made by {@code create} (under this table's lock) the first time. Pass a
   * function held in a field: a capturing lambda would allocate on every call.
   */
  Counter get(long key, LongFunction<Counter> create) {
    Snapshot s = snapshot;
    int i = Arrays.binarySearch(s.keys, key);
    return i >= 0 ? s.counters[i] : insert(key, create);
  }

  private synchronized Counter insert(long key, LongFunction<Counter> create) {
    Snapshot s = snapshot;
    int i = Arrays.binarySearch(s.keys, key);
    if (i >= 0) {
      return s.counters[i];
    }
    Counter counter = create.apply(key);
    int at = -i - 1;
    int n = s.keys.length;
    long[] keys = new long[n + 1];
    Counter[] counters = new Counter[n + 1];
    System.arraycopy(s.keys, 0, keys, 0, at);
    System.arraycopy(s.counters, 0, counters, 0, at);
    keys[at] = key;
    counters[at] = counter;
    System.arraycopy(s.keys, at, keys, at + 1, n - at);
    System.arraycopy(s.counters, at, counters, at + 1, n - at);
    snapshot = new Snapshot(keys, counters);
    return counter;
  }

  /** How many keys have a counter. */
  int size() {
    return snapshot.keys.length;
  }
}
