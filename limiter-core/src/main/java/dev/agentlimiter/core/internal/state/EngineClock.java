package dev.agentlimiter.core.internal.state;

import dev.agentlimiter.api.TimeSource;

/**
 * The engine's time: nanoseconds since the engine was built. Subtracting the first reading makes every
 * later comparison immune to the source wrapping around {@link Long#MAX_VALUE} (for 292 years), and lets
 * Bucket4j and Caffeine, which compare raw readings, work with any source.
 */
public final class EngineClock {

  /** How far the cache clock may lag the last reading: idle expiry is minutes, so 1 ms is plenty. */
  static final long CACHE_CLOCK_STEP_NANOS = 1_000_000;

  private final TimeSource source;
  private final long origin;
  private volatile long cacheNanos;

  public EngineClock(TimeSource source) {
    this.source = source;
    this.origin = source.read();
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
}
