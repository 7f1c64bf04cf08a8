package dev.agentlimiter.api;

/**
 * A nanosecond clock, like {@link System#nanoTime()}: only differences between readings mean anything, and
 * readings may wrap around {@link Long#MAX_VALUE}. The engine reads it once per decision. Implementations
 * must be thread-safe and should be monotonic; a reading that goes backwards is treated as "no time has
 * passed" and never adds tokens.
 *
 * <p>Tests inject a fake clock that they advance by hand, so no test sleeps.
 */
@FunctionalInterface
public interface TimeSource {

  /** The current reading in nanoseconds. */
  long read();

  /** {@link System#nanoTime()}. */
  static TimeSource system() {
    return System::nanoTime;
  }
}
