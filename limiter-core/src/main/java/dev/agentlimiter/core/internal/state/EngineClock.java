package dev.agentlimiter.core.internal.state;

import dev.agentlimiter.api.TimeSource;
import java.time.Instant;

/**
 * The engine's one clock: {@link #now()} is nanoseconds since the engine was built, read from the {@link
 * TimeSource}; {@link #instant(long)} and {@link #epochNanos(long)} turn such a reading into wall-clock
 * time, anchored on the wall clock's reading when the engine was built. Every part of the engine that
 * needs time (buckets, detectors, penalties, budget periods, event and offender timestamps) reads this
 * clock, so one fake {@code TimeSource} moves all of them together, and a wall clock that jumps later
 * (NTP, a VM resumed) moves none.
 *
 * <p>Subtracting the first reading makes every later comparison immune to the source wrapping around
 * {@link Long#MAX_VALUE} (for 292 years), and lets Bucket4j and Caffeine, which compare raw readings, work
 * with any source.
 */
public final class EngineClock {

  /** How far the cache clock may lag the last reading: idle expiry is minutes, so 1 ms is plenty. */
  static final long CACHE_CLOCK_STEP_NANOS = 1_000_000;

  private final TimeSource source;
  private final long origin;
  private final long epochNanosAtOrigin;
  private volatile long cacheNanos;

  /** A clock whose wall time starts at the system clock's reading now. */
  public EngineClock(TimeSource source) {
    this(source, Instant.now());
  }

  /**
   * A clock whose reading 0 is {@code wallAtOrigin}.
   *
   * @throws ArithmeticException if {@code wallAtOrigin} is not within about 292 years of 1970
   */
  public EngineClock(TimeSource source, Instant wallAtOrigin) {
    this.source = source;
    this.origin = source.read();
    this.epochNanosAtOrigin =
        Math.addExact(Math.multiplyExact(wallAtOrigin.getEpochSecond(), 1_000_000_000L), wallAtOrigin.getNano());
  }

  /** Reads the source. Every decision reads it once, and that also advances {@link #cacheNow}. */
  public long now() {
    long t = source.read() - origin;
    long cached = cacheNanos;
    if (t - cached >= CACHE_CLOCK_STEP_NANOS || t < cached) {
      cacheNanos = t; // written at most once per millisecond (or when a test clock steps back)
    }
    return t;
  }

  /**
   * The last reading, at most {@link #CACHE_CLOCK_STEP_NANOS} behind {@link #now()} as of the last
   * decision: the ticker of the caches, which read it on every lookup for idle expiry. Without it every
   * lookup would read the source again; with it, a decision reads the source once.
   */
  public long cacheNow() {
    return cacheNanos;
  }

  /** Nanoseconds since 1970-01-01T00:00Z at engine reading {@code now}. */
  public long epochNanos(long now) {
    return epochNanosAtOrigin + now;
  }

  /** The wall-clock time of engine reading {@code now}. */
  public Instant instant(long now) {
    long nanos = epochNanos(now);
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }
}
