package dev.agentlimiter.core.internal.defence;

import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The agents refused most often over a sliding window, in bounded memory whatever number of distinct keys
 * arrives: one Space-Saving sketch (Metwally, Agrawal and El Abbadi, 2005) of {@code capacity} counters per
 * sub-window, keyed on refusals, {@value #SUB_WINDOWS} sub-windows rotated by time. At most {@code capacity
 * × }{@value #SUB_WINDOWS} agents are retained.
 *
 * <p><b>Guarantees.</b> Let {@code R} be the refusals recorded in the window that ends at {@code nowNanos}
 * and {@code k} the capacity. For every entry {@link #top} lists, {@code true ≤ refusals ≤ true +
 * overestimate} and {@code overestimate ≤ R / k}: the count never underestimates, and {@code refusals -
 * overestimate} is a lower bound. Every agent refused more than {@code R / k} times in the window is among
 * the first {@code k} entries, so {@code top(k, nowNanos)} lists it. {@code top} lists at most {@code k}
 * entries. {@code requests} counts only the requests seen while the agent was monitored in a sub-window
 * (from its first refusal there until it is displaced): <b>it may undercount, with no bound</b>.
 *
 * <p><b>The window</b> is {@value #SUB_WINDOWS} sub-windows of {@code window / }{@value #SUB_WINDOWS}
 * (whole nanoseconds), aligned on the first reading recorded: the window ending at {@code nowNanos} is the
 * sub-window holding {@code nowNanos} and the {@value #SUB_WINDOWS}{@code - 1} before it, so it reaches
 * back between nine tenths of {@code window} and all of it. Readings are compared by difference, so they
 * may wrap past {@code Long.MAX_VALUE}. A request read late, after its sub-window's slot was reused by one a
 * window or more later, is dropped: it is outside that later window anyway.
 *
 * <p>Thread-safe: each sub-window has its own monitor, which {@link #record} holds for one hash lookup and
 * at most one {@code O(log k)} heap update; {@link #top} takes each monitor in turn, copies, and merges
 * outside them ({@code O(k)} per sub-window, plus a sort).
 */
public final class TopOffenders {

  /** The number of sub-windows a window is split into. */
  static final int SUB_WINDOWS = 10;

  /** The largest capacity accepted. */
  static final int MAX_CAPACITY = 65_536;

  /** The longest window accepted. */
  static final Duration MAX_WINDOW = Duration.ofDays(365);

  /** Most refusals first, then most requests, then key. */
  private static final Comparator<Entry> ORDER =
      Comparator.comparingLong(Entry::refusals)
          .reversed()
          .thenComparing(Comparator.comparingLong(Entry::requests).reversed())
          .thenComparing(Entry::key);

  private final int capacity;
  private final long subWindowNanos;
  private final Sketch[] sketches = new Sketch[SUB_WINDOWS];
  private final Object startLock = new Object();

  /** Whether {@link #originNanos} is set; written once, after it. */
  private volatile boolean started;

  /** The first reading recorded: sub-windows start at it plus a multiple of {@link #subWindowNanos}. */
  private long originNanos;

  /**
   * @param capacity the counters per sub-window, 1 to {@value #MAX_CAPACITY}
   * @param window the window, 1 s to 365 days, split in {@value #SUB_WINDOWS} sub-windows
   * @throws IllegalArgumentException if {@code capacity} or {@code window} is out of range
   */
  public TopOffenders(int capacity, Duration window) {
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "topOffenders: capacity must be between 1 and " + MAX_CAPACITY + " but was " + capacity);
    }
    Objects.requireNonNull(window, "window");
    if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException(
          "topOffenders: window must be between 1 s and 365 days but was " + window);
    }
    this.capacity = capacity;
    this.subWindowNanos = window.toNanos() / SUB_WINDOWS;
    for (int i = 0; i < SUB_WINDOWS; i++) {
      sketches[i] = new Sketch(capacity);
    }
  }

  /**
   * Counts one request of agent {@code key}, refused or not. A request that is not refused, of an agent not
   * monitored in the current sub-window, changes nothing. Thread-safe.
   *
   * @param key the agent's state key, which identifies it
   * @param display the agent id to show
   * @param source how the agent was identified
   * @param reason the decision's reason ({@link Reason#ALLOWED} when admitted)
   * @param refused whether the request counts as a refusal
   * @param nowNanos the engine's monotonic reading of the request
   * @param wallTime when the request was decided
   */
  public void record(
      String key,
      String display,
      IdentitySource source,
      Reason reason,
      boolean refused,
      long nowNanos,
      Instant wallTime) {
    if (!started) {
      start(nowNanos);
    }
    long epoch = epochOf(nowNanos);
    sketches[slotOf(epoch)].record(epoch, key, display, source, reason, refused, wallTime);
  }

  /**
   * The top {@code limit} agents by refusals over the window ending at {@code nowNanos}, merged over its
   * sub-windows; most refusals first, ties broken by most requests, then by key. Lists only agents with at
   * least one refusal, and at most {@code capacity} of them.
   *
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  public List<Entry> top(int limit, long nowNanos) {
    if (limit < 1) {
      throw new IllegalArgumentException("topOffenders: limit must be at least 1 but was " + limit);
    }
    if (!started) {
      return List.of();
    }
    long now = epochOf(nowNanos);
    // Space-Saving merge: in a sub-window that does not monitor an agent, its count is at most the
    // sub-window's minimum (0 unless full), so that minimum is added to both its count and its
    // overestimate. Adding the sum of minimums to every agent keeps the order, so accumulate each agent's
    // excess over the minimum where monitored, and add the sum at the end.
    long minimums = 0;
    Map<String, Merge> merged = new HashMap<>();
    for (long epoch = now - (SUB_WINDOWS - 1); epoch <= now; epoch++) { // oldest first
      Snapshot snapshot = sketches[slotOf(epoch)].snapshot(epoch);
      if (snapshot == null) {
        continue;
      }
      minimums += snapshot.minimum;
      for (Counter c : snapshot.counters) {
        merged.computeIfAbsent(c.key, k -> new Merge()).add(c, snapshot.minimum);
      }
    }
    List<Entry> entries = new ArrayList<>(merged.size());
    for (Merge m : merged.values()) {
      entries.add(m.entry(minimums));
    }
    entries.sort(ORDER);
    int n = Math.min(entries.size(), Math.min(limit, capacity));
    return List.copyOf(entries.subList(0, n));
  }

  /** The agents retained over every sub-window, live or not: at most {@code capacity × SUB_WINDOWS}. */
  int size() {
    int size = 0;
    for (Sketch s : sketches) {
      size += s.size();
    }
    return size;
  }

  private void start(long nanos) {
    synchronized (startLock) {
      if (!started) {
        originNanos = nanos;
        started = true;
      }
    }
  }

  private long epochOf(long nanos) {
    return Math.floorDiv(nanos - originNanos, subWindowNanos);
  }

  private static int slotOf(long epoch) {
    return (int) Math.floorMod(epoch, (long) SUB_WINDOWS);
  }

  /**
   * One listed agent.
   *
   * @param key its state key
   * @param display the agent id to show, as last recorded
   * @param source how it was identified, as last recorded
   * @param refusals its refusals in the window, never fewer than the true count
   * @param requests its requests seen in the window while it was monitored
   * @param overestimate the most by which {@code refusals} may exceed the true count
   * @param lastReason the reason of its last refusal
   * @param lastSeen the latest wall time of its recorded requests
   */
  public record Entry(
      String key,
      String display,
      IdentitySource source,
      long refusals,
      long requests,
      long overestimate,
      Reason lastReason,
      Instant lastSeen) {}

  /** A monitored agent in one sub-window; also its copy in a {@link Snapshot}. */
  private static final class Counter {
    String key;
    String display;
    IdentitySource source;
    Reason lastReason;
    Instant lastSeen;
    long refusals;
    long requests;
    long overestimate;
    /** Its index in the heap. */
    int slot;

    Counter(
        String key,
        String display,
        IdentitySource source,
        Reason lastReason,
        Instant lastSeen,
        long refusals,
        long requests,
        long overestimate) {
      this.key = key;
      this.display = display;
      this.source = source;
      this.lastReason = lastReason;
      this.lastSeen = lastSeen;
      this.refusals = refusals;
      this.requests = requests;
      this.overestimate = overestimate;
    }

    Counter copy() {
      return new Counter(key, display, source, lastReason, lastSeen, refusals, requests, overestimate);
    }
  }

  /** A sub-window's counters, and its minimum count if full (else 0). */
  private record Snapshot(List<Counter> counters, long minimum) {}

  /**
   * The Space-Saving sketch of one sub-window slot: an index by key and a binary min-heap by refusals, both
   * of at most {@code capacity} counters. Guarded by its own monitor.
   */
  private static final class Sketch {
    private final int capacity;
    private final Map<String, Counter> index;
    private final @Nullable Counter[] heap;
    private int size;
    /** The sub-window it holds; below every real one while it holds none. */
    private long epoch = Long.MIN_VALUE;

    Sketch(int capacity) {
      this.capacity = capacity;
      this.index = new HashMap<>();
      this.heap = new Counter[capacity];
    }

    synchronized void record(
        long epoch,
        String key,
        String display,
        IdentitySource source,
        Reason reason,
        boolean refused,
        Instant wallTime) {
      if (epoch != this.epoch) {
        if (epoch < this.epoch) {
          return; // the slot holds a later sub-window: this one is older than that one's window
        }
        this.epoch = epoch;
        index.clear();
        Arrays.fill(heap, 0, size, null);
        size = 0;
      }
      Counter c = index.get(key);
      if (c != null) {
        c.requests++;
        c.display = display;
        c.source = source;
        if (wallTime.isAfter(c.lastSeen)) {
          c.lastSeen = wallTime;
        }
        if (refused) {
          c.refusals++;
          c.lastReason = reason;
          siftDown(c.slot);
        }
      } else if (refused) {
        if (size < capacity) {
          c = new Counter(key, display, source, reason, wallTime, 1, 1, 0);
          c.slot = size;
          heap[size++] = c;
          index.put(key, c);
          siftUp(c.slot);
        } else { // replace the minimum, which this key may have been all along
          Counter min = at(0);
          index.remove(min.key);
          min.key = key;
          min.display = display;
          min.source = source;
          min.lastReason = reason;
          min.lastSeen = wallTime;
          min.overestimate = min.refusals;
          min.refusals++;
          min.requests = 1;
          index.put(key, min);
          siftDown(0);
        }
      }
    }

    /** A copy of its counters if it holds sub-window {@code epoch}, else null. */
    synchronized @Nullable Snapshot snapshot(long epoch) {
      if (epoch != this.epoch || size == 0) {
        return null;
      }
      List<Counter> copies = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        copies.add(at(i).copy());
      }
      return new Snapshot(copies, size == capacity ? at(0).refusals : 0);
    }

    synchronized int size() {
      return size;
    }

    private Counter at(int i) {
      return Objects.requireNonNull(heap[i]);
    }

    private void siftUp(int i) {
      Counter c = at(i);
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        Counter p = at(parent);
        if (p.refusals <= c.refusals) {
          break;
        }
        place(p, i);
        i = parent;
      }
      place(c, i);
    }

    private void siftDown(int i) {
      Counter c = at(i);
      int half = size >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        Counter smaller = at(child);
        int right = child + 1;
        if (right < size && at(right).refusals < smaller.refusals) {
          child = right;
          smaller = at(right);
        }
        if (c.refusals <= smaller.refusals) {
          break;
        }
        place(smaller, i);
        i = child;
      }
      place(c, i);
    }

    private void place(Counter c, int i) {
      heap[i] = c;
      c.slot = i;
    }
  }

  /** One agent's counts over the live sub-windows, in excess of their minimums where it is monitored. */
  private static final class Merge {
    private @Nullable Counter newest;
    private long refusalExcess;
    private long overestimateExcess;
    private long requests;
    private @Nullable Instant lastSeen;

    /** Adds sub-window counts; called oldest sub-window first. */
    void add(Counter c, long minimum) {
      newest = c;
      refusalExcess += c.refusals - minimum;
      overestimateExcess += c.overestimate - minimum;
      requests += c.requests;
      if (lastSeen == null || c.lastSeen.isAfter(lastSeen)) {
        lastSeen = c.lastSeen;
      }
    }

    Entry entry(long minimums) {
      Counter c = Objects.requireNonNull(newest);
      return new Entry(
          c.key,
          c.display,
          c.source,
          refusalExcess + minimums,
          requests,
          overestimateExcess + minimums,
          c.lastReason,
          Objects.requireNonNull(lastSeen));
    }
  }
}
