package dev.agentlimiter.core;

import dev.agentlimiter.api.LimiterEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Requests in flight per (policy, agent). An entry exists only while the agent holds a permit and is
 * removed with its last one, so memory follows the requests actually in flight (plus leaked permits until
 * the leak guard reclaims them) rather than the agents seen. Exact: entries are never evicted.
 *
 * <p>Every permit is released at most once: releasing removes it from its entry under the entry's lock, and
 * a permit that is no longer there (already released, or reclaimed by the leak guard) releases nothing.
 */
final class InFlightTable {

  private final ConcurrentHashMap<ScopedKey, Held> table = new ConcurrentHashMap<>();
  private final long sweepAbove;
  private volatile long nextSweep;
  private volatile boolean swept;

  InFlightTable(long maximumAgents) {
    this.sweepAbove = maximumAgents;
  }

  /** A permit: which entry it belongs to and when it was taken. */
  static final class Permit {
    final ScopedKey key;
    final String policy;
    final long acquiredAt;
    final long maxHoldNanos;

    Permit(ScopedKey key, String policy, long acquiredAt, long maxHoldNanos) {
      this.key = key;
      this.policy = policy;
      this.acquiredAt = acquiredAt;
      this.maxHoldNanos = maxHoldNanos;
    }
  }

  /** The permits one (policy, agent) holds. Guarded by the map's compute lock. */
  private static final class Held {
    final List<Permit> permits = new ArrayList<>(2);
  }

  /**
   * Takes a permit if fewer than {@code max} are held, first reclaiming permits held longer than
   * {@code maxHoldNanos}.
   *
   * @return the permit, or {@code null} if the cap is reached
   */
  @Nullable Permit acquire(
      BoundPolicy b, String agentId, int max, long maxHoldNanos, long now, Consumer<LimiterEvent> events) {
    // compare by difference (the clock may wrap), but only once a sweep has set nextSweep
    if (table.size() > sweepAbove && (!swept || now - nextSweep >= 0)) {
      sweep(now, events);
    }
    ScopedKey key = new ScopedKey(b.id, agentId);
    Permit[] taken = new Permit[1];
    List<Permit> reclaimed = new ArrayList<>(0);
    table.compute(
        key,
        (k, held) -> {
          Held h = held != null ? held : new Held();
          reclaim(h, now, reclaimed);
          if (h.permits.size() < max) {
            Permit p = new Permit(k, b.policy.name(), now, maxHoldNanos);
            h.permits.add(p);
            taken[0] = p;
          }
          return h.permits.isEmpty() ? null : h;
        });
    announce(reclaimed, now, events);
    return taken[0];
  }

  private static void announce(List<Permit> reclaimed, long now, Consumer<LimiterEvent> events) {
    for (Permit p : reclaimed) {
      events.accept(
          new LimiterEvent.PermitReclaimed(
              p.key.id, p.policy, Duration.ofNanos(now - p.acquiredAt)));
    }
  }

  private static void reclaim(Held h, long now, List<Permit> out) {
    for (Iterator<Permit> it = h.permits.iterator(); it.hasNext(); ) {
      Permit p = it.next();
      if (now - p.acquiredAt >= p.maxHoldNanos) {
        it.remove();
        out.add(p);
      }
    }
  }

  /** Releases a permit; {@code true} only the first time, and never for a reclaimed permit. */
  boolean release(Permit permit) {
    boolean[] released = new boolean[1];
    table.computeIfPresent(
        permit.key,
        (k, h) -> {
          released[0] = h.permits.remove(permit);
          return h.permits.isEmpty() ? null : h;
        });
    return released[0];
  }

  int inFlight(BoundPolicy b, String agentId) {
    int[] n = new int[1];
    table.computeIfPresent(
        new ScopedKey(b.id, agentId),
        (k, held) -> {
          n[0] = held.permits.size();
          return held;
        });
    return n[0];
  }

  /** Entries held, including leaked permits not yet reclaimed. */
  int entries() {
    return table.size();
  }

  /** Reclaims leaked permits of every entry (used when the table outgrows the agent bound). */
  private void sweep(long now, Consumer<LimiterEvent> events) {
    nextSweep = now + 1_000_000_000L;
    swept = true;
    for (ScopedKey key : table.keySet()) {
      List<Permit> reclaimed = new ArrayList<>(0);
      table.computeIfPresent(
          key,
          (k, h) -> {
            reclaim(h, now, reclaimed);
            return h.permits.isEmpty() ? null : h;
          });
      announce(reclaimed, now, events);
    }
  }
}
