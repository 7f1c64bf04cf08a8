package dev.agentlimiter.core.internal.defence;

import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.core.internal.engine.BoundPolicy;
import dev.agentlimiter.core.internal.state.ScopedKey;
import dev.agentlimiter.core.internal.state.StateKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Requests in flight per (policy, agent). Exact: an entry that holds a permit is never removed. An entry
 * whose permits are all released stays for reuse until the table outgrows {@code 2 ×} the agent bound
 * (or twice its size after the previous sweep); then one sweep removes every empty entry and reclaims
 * leaked permits. Sweeps are amortized O(1) per new entry, and memory stays within twice the bound plus
 * the requests actually in flight (and leaked permits until the leak guard reclaims them).
 *
 * <p>Each entry is guarded by its own monitor; an entry removed from the map is marked dead under that
 * monitor, and a thread that finds a dead entry retries with a fresh one. Every permit is released at most
 * once: releasing removes it from its entry under the lock, and a permit that is no longer there (already
 * released, or reclaimed by the leak guard) releases nothing.
 */
public final class InFlightTable {

  private final ConcurrentHashMap<ScopedKey, Held> table = new ConcurrentHashMap<>();
  private final long minimumSweepAbove;
  private volatile long sweepAbove;

  public InFlightTable(long maximumAgents) {
    this.minimumSweepAbove = Math.max(16, Math.min(Long.MAX_VALUE / 4, maximumAgents) * 2);
    this.sweepAbove = minimumSweepAbove;
  }

  /** A permit: which entry it belongs to and when it was taken. */
  public static final class Permit {
    final Held held;
    final String policy;
    final long acquiredAt;
    final long maxHoldNanos;

    Permit(Held held, String policy, long acquiredAt, long maxHoldNanos) {
      this.held = held;
      this.policy = policy;
      this.acquiredAt = acquiredAt;
      this.maxHoldNanos = maxHoldNanos;
    }
  }

  /** The permits one (policy, agent) holds. Guarded by its own monitor. */
  static final class Held {
    final ScopedKey key;
    final List<Permit> permits = new ArrayList<>(2);
    boolean dead;

    Held(ScopedKey key) {
      this.key = key;
    }
  }

  /**
   * Takes a permit if fewer than {@code max} are held, first reclaiming permits held longer than their
   * maximum hold time.
   *
   * @return the permit, or {@code null} if the cap is reached
   */
  public @Nullable Permit acquire(
      BoundPolicy b, ScopedKey key, int max, long maxHoldNanos, long now, Consumer<LimiterEvent> events) {
    if (table.size() > sweepAbove) {
      sweep(now, events);
    }
    for (; ; ) {
      Held h = table.get(key);
      if (h == null) {
        Held fresh = new Held(key);
        h = table.putIfAbsent(key, fresh);
        if (h == null) {
          h = fresh;
        }
      }
      Permit taken = null;
      List<Permit> reclaimed;
      synchronized (h) {
        if (h.dead) {
          continue;
        }
        reclaimed = reclaim(h, now);
        if (h.permits.size() < max) {
          taken = new Permit(h, b.policy.name(), now, maxHoldNanos);
          h.permits.add(taken);
        }
      }
      announce(reclaimed, now, events);
      return taken;
    }
  }

  private void retireIfEmpty(Held h) {
    if (h.permits.isEmpty()) {
      h.dead = true;
      table.remove(h.key, h);
    }
  }

  private static void announce(List<Permit> reclaimed, long now, Consumer<LimiterEvent> events) {
    for (Permit p : reclaimed) {
      events.accept(
          new LimiterEvent.PermitReclaimed(
              StateKeys.display(p.held.key.id), p.policy, Duration.ofNanos(now - p.acquiredAt)));
    }
  }

  private static List<Permit> reclaim(Held h, long now) {
    List<Permit> out = List.of();
    for (Iterator<Permit> it = h.permits.iterator(); it.hasNext(); ) {
      Permit p = it.next();
      if (now - p.acquiredAt >= p.maxHoldNanos) {
        it.remove();
        if (out.isEmpty()) {
          out = new ArrayList<>(2);
        }
        out.add(p);
      }
    }
    return out;
  }

  /** Releases a permit; {@code true} only the first time, and never for a reclaimed permit. */
  boolean release(Permit permit) {
    Held h = permit.held;
    synchronized (h) {
      return h.permits.remove(permit); // the empty entry stays for reuse until a sweep
    }
  }

  /** Releases every permit of an array (nulls skipped), each at most once. */
  public void releaseAll(@Nullable Permit[] permits) {
    for (Permit permit : permits) {
      if (permit != null) {
        release(permit);
      }
    }
  }

  public int inFlight(BoundPolicy b, String agentId) {
    Held h = table.get(new ScopedKey(b.id, agentId));
    if (h == null) {
      return 0;
    }
    synchronized (h) {
      return h.dead ? 0 : h.permits.size();
    }
  }

  /** Entries in the table, including empty ones not yet swept. */
  public int entries() {
    return table.size();
  }

  /** Entries that hold a permit (including leaked permits not yet reclaimed). */
  public int busyEntries() {
    int n = 0;
    for (Held h : table.values()) {
      synchronized (h) {
        n += h.permits.isEmpty() ? 0 : 1;
      }
    }
    return n;
  }

  /** Removes empty entries and reclaims leaked permits; the next sweep waits until the table doubles. */
  private synchronized void sweep(long now, Consumer<LimiterEvent> events) {
    if (table.size() <= sweepAbove) {
      return; // another thread just swept
    }
    sweepNow(now, events);
    sweepAbove = Math.max(minimumSweepAbove, 2L * table.size());
  }

  /** Sweeps now, whatever the size; the leak guard of agents that never return. */
  void sweepNow(long now, Consumer<LimiterEvent> events) {
    for (Held h : table.values()) {
      List<Permit> reclaimed;
      synchronized (h) {
        reclaimed = reclaim(h, now);
        retireIfEmpty(h);
      }
      announce(reclaimed, now, events);
    }
  }
}
