package dev.agentlimiter.core;

import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** PLACEHOLDER until the Space-Saving sketch lands (branch offenders): keeps nothing. */
final class TopOffenders {

  TopOffenders(int capacity, Duration window) {
    if (capacity < 1 || capacity > 65_536) {
      throw new IllegalArgumentException("topOffenders: capacity must be between 1 and 65536 but was " + capacity);
    }
    if (window.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("topOffenders: window must be at least 1 s but was " + window);
    }
  }

  void record(
      String key, String display, IdentitySource source, Reason reason, boolean refused, long nowNanos,
      Instant wallTime) {}

  List<Entry> top(int limit, long nowNanos) {
    return List.of();
  }

  record Entry(
      String key, String display, IdentitySource source, long refusals, long requests, long overestimate,
      Reason lastReason, Instant lastSeen) {}
}
