package dev.agentlimiter.api;

import java.time.Duration;
import java.util.Objects;

/** Argument checks shared by the configuration value types; every message names the field and value. */
final class Checks {

  private Checks() {}

  static Duration positive(String what, Duration value, Duration maximum) {
    Objects.requireNonNull(value, what);
    if (value.isNegative() || value.isZero() || value.compareTo(maximum) > 0) {
      throw new IllegalArgumentException(
          what + " must be > 0 and <= " + maximum + " but was " + value);
    }
    return value;
  }

  static int between(String what, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          what + " must be between " + min + " and " + max + " but was " + value);
    }
    return value;
  }

  static long between(String what, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          what + " must be between " + min + " and " + max + " but was " + value);
    }
    return value;
  }
}
