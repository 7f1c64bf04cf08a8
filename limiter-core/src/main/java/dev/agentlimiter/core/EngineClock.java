package dev.agentlimiter.core;

import dev.agentlimiter.api.TimeSource;

/**
 * The engine's time: nanoseconds since the engine was built. Subtracting the first reading makes every
 * later comparison immune to the source wrapping around {@link Long#MAX_VALUE} (for 292 years), and lets
 * Bucket4j and Caffeine, which compare raw readings, work with any source.
 */
final class EngineClock {

  private final TimeSource source;
  private final long origin;

  EngineClock(TimeSource source) {
    this.source = source;
    this.origin = source.read();
  }

  long now() {
    return source.read() - origin;
  }
}
