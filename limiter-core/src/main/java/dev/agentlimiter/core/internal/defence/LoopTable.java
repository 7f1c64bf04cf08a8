package dev.agentlimiter.core.internal.defence;

import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.RequestFingerprint;
import java.util.Arrays;

/**
 * One agent's recent requests under one policy, for {@link LoopDetection}: up to
 * {@code trackedFingerprints} slots (grown on demand), each with the times of its last {@code repeats + 1}
 * sightings, its consecutive failures, its escalation, how many of its requests are in flight and the
 * earliest time its last refusal told the agent to come back. Not thread-safe: the owning {@link
 * AgentWatch} guards it.
 *
 * <p>A repeat of a {@linkplain RequestFingerprint#isSafe() safe} request counts only as part of a storm:
 * while an identical request is still in flight, after an identical one failed, or before the retry-after
 * the agent was given for it; the first storm sighting also counts the sighting it repeats. A patient
 * repeat (the previous one answered, successfully, and any retry-after honoured) is not counted, so polling
 * is never a loop, and patient repeats between the sightings of a storm do not hide it. Every repeat of
 * any other request counts.
 *
 * <p>A slot only ever refuses its own fingerprint, and a reused slot starts empty, so distinct requests
 * cannot affect each other; forgetting a slot can only miss a loop.
 */
public final class LoopTable {

  private final int ring;
  private final int maxSlots;
  private final long windowNanos;
  private final int errorRepeats;
  private final long backoffNanos;
  private final long maxBackoffNanos;

  private int slots;
  private long[] high = new long[1];
  private long[] low = new long[1];
  private long[] lastSeen = new long[1];
  private long[] times; // slot * ring + i
  private int[] next = new int[1];
  private int[] seen = new int[1];
  private int[] failures = new int[1];
  private long[] lastFailure = new long[1];
  private int[] strikes = new int[1];
  private long[] blockedUntil = new long[1];
  private int[] inFlight = new int[1];
  private long[] lastStart = new long[1];
  private long[] notBefore = new long[1];
  /** Whether the slot's last sighting was a patient repeat of a safe request, not counted. */
  private boolean[] uncounted = new boolean[1];

  LoopTable(LoopDetection rule) {
    this.ring = rule.repeats() + 1;
    this.maxSlots = rule.trackedFingerprints();
    this.windowNanos = rule.window().toNanos();
    this.errorRepeats = rule.errorRepeats();
    this.backoffNanos = rule.backoff().toNanos();
    this.maxBackoffNanos = rule.maxBackoff().toNanos();
    this.times = new long[ring];
  }

  /**
   * Records a sighting of {@code fp}.
   *
   * @return 0 if the request may proceed; otherwise the nanos to wait, positive, with the sign bit clear;
   *     {@link #lastWasErrorLoop} tells which threshold fired
   */
  public long check(RequestFingerprint fp, long now) {
    int s = find(fp.high(), fp.low());
    if (s < 0) {
      s = claim(fp.high(), fp.low(), now);
    }
    if (failures[s] > 0 && now - lastFailure[s] >= windowNanos) {
      failures[s] = 0;
    }
    int base = s * ring;
    if (fp.isSafe()) {
      if (!storming(s, now)) {
        // a patient repeat is not counted; it is remembered, so that a storm it starts counts it too
        lastSeen[s] = now;
        uncounted[s] = true;
        strikes[s] = 0;
        lastErrorLoop = false;
        inFlight[s] = Math.min(inFlight[s] + 1, 1 << 20);
        lastStart[s] = now;
        return 0;
      }
      if (uncounted[s]) {
        // the storm includes the request it repeats
        times[base + next[s]] = lastSeen[s];
        next[s] = (next[s] + 1) % ring;
        seen[s] = Math.min(ring, seen[s] + 1);
        uncounted[s] = false;
      }
    }
    lastSeen[s] = now;
    times[base + next[s]] = now;
    next[s] = (next[s] + 1) % ring;
    seen[s] = Math.min(ring, seen[s] + 1);
    long retryAt = Long.MIN_VALUE;
    boolean repeated = false;
    if (seen[s] == ring) {
      long oldest = times[base + next[s]];
      if (now - oldest < windowNanos) {
        repeated = true;
        // the next request passes once the second-oldest sighting has left the window
        long secondOldest = times[base + (next[s] + 1) % ring];
        retryAt = ring == 1 ? now + windowNanos : secondOldest + windowNanos;
      }
    }
    boolean errorLoop = failures[s] >= errorRepeats;
    if (errorLoop) {
      retryAt = Math.max(retryAt, lastFailure[s] + windowNanos);
    }
    boolean blocked = now < blockedUntil[s];
    lastErrorLoop = errorLoop && !repeated;
    if (!repeated && !errorLoop && !blocked) {
      strikes[s] = 0;
      inFlight[s] = Math.min(inFlight[s] + 1, 1 << 20);
      lastStart[s] = now;
      return 0;
    }
    strikes[s] = Math.min(strikes[s] + 1, 62);
    long backoff = backoffNanos;
    for (int i = 1; i < strikes[s] && backoff < maxBackoffNanos; i++) {
      backoff = backoff > maxBackoffNanos / 2 ? maxBackoffNanos : backoff * 2;
    }
    retryAt = Math.max(retryAt, now + Math.min(backoff, maxBackoffNanos));
    blockedUntil[s] = retryAt;
    return retryAt - now;
  }

  private boolean lastErrorLoop;

  /**
   * Whether a sighting in slot {@code s} now is part of a storm: an identical request still in flight
   * (started within the window, so a leaked one stops counting), an identical one failed within the
   * window, or the agent was told to wait longer.
   */
  private boolean storming(int s, long now) {
    return (inFlight[s] > 0 && now - lastStart[s] < windowNanos)
        || failures[s] > 0
        || now < notBefore[s]
        || now < blockedUntil[s];
  }

  /** A request of {@code fp} that {@link #check} let through has ended (answered or not). */
  public void ended(RequestFingerprint fp) {
    int s = find(fp.high(), fp.low());
    if (s >= 0 && inFlight[s] > 0) {
      inFlight[s]--;
    }
  }

  /**
   * A request of {@code fp} that {@link #check} let through was refused by a later check, with the agent
   * told to come back at {@code retryAt}: it is no longer in flight, and a repeat before {@code retryAt}
   * ignores the retry-after.
   */
  public void refused(RequestFingerprint fp, long retryAt) {
    int s = find(fp.high(), fp.low());
    if (s < 0) {
      return;
    }
    if (inFlight[s] > 0) {
      inFlight[s]--;
    }
    if (notBefore[s] == Long.MIN_VALUE || retryAt - notBefore[s] > 0) {
      notBefore[s] = retryAt;
    }
  }

  /** Whether the last refusal of {@link #check} was for repeated failures rather than repeats. */
  public boolean lastWasErrorLoop() {
    return lastErrorLoop;
  }

  /** Feeds back an outcome of {@code fp}: failures in a row within the window build an error loop. */
  public void outcome(RequestFingerprint fp, boolean failed, long now) {
    int s = find(fp.high(), fp.low());
    if (s < 0) {
      return;
    }
    if (!failed) {
      failures[s] = 0;
      return;
    }
    if (failures[s] > 0 && now - lastFailure[s] >= windowNanos) {
      failures[s] = 0;
    }
    failures[s] = Math.min(failures[s] + 1, 1 << 20);
    lastFailure[s] = now;
  }

  private int find(long h, long l) {
    for (int i = 0; i < slots; i++) {
      if (high[i] == h && low[i] == l) {
        return i;
      }
    }
    return -1;
  }

  /** A fresh slot: a new one while there is room, else the least recently seen, emptied. */
  private int claim(long h, long l, long now) {
    int s;
    if (slots < maxSlots) {
      s = slots++;
      if (s == high.length) {
        grow(Math.min(maxSlots, high.length * 2));
      }
    } else {
      s = 0;
      for (int i = 1; i < slots; i++) {
        if (lastSeen[i] - now < lastSeen[s] - now) {
          s = i;
        }
      }
    }
    high[s] = h;
    low[s] = l;
    next[s] = 0;
    seen[s] = 0;
    failures[s] = 0;
    strikes[s] = 0;
    blockedUntil[s] = Long.MIN_VALUE;
    lastFailure[s] = Long.MIN_VALUE;
    inFlight[s] = 0;
    lastStart[s] = Long.MIN_VALUE;
    notBefore[s] = Long.MIN_VALUE;
    uncounted[s] = false;
    return s;
  }

  private void grow(int n) {
    high = Arrays.copyOf(high, n);
    low = Arrays.copyOf(low, n);
    lastSeen = Arrays.copyOf(lastSeen, n);
    times = Arrays.copyOf(times, n * ring);
    next = Arrays.copyOf(next, n);
    seen = Arrays.copyOf(seen, n);
    failures = Arrays.copyOf(failures, n);
    lastFailure = Arrays.copyOf(lastFailure, n);
    strikes = Arrays.copyOf(strikes, n);
    blockedUntil = Arrays.copyOf(blockedUntil, n);
    inFlight = Arrays.copyOf(inFlight, n);
    lastStart = Arrays.copyOf(lastStart, n);
    notBefore = Arrays.copyOf(notBefore, n);
    uncounted = Arrays.copyOf(uncounted, n);
  }
}
