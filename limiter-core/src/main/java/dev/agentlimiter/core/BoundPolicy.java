package dev.agentlimiter.core;

import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.api.RateLimitStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A policy bound to its state, with what decisions need precomputed. Immutable. */
final class BoundPolicy {

  final Policy policy;
  final PolicyState state;
  final int limitCount;
  private final String[] limitNames;
  private final long[] quotas;
  private final Duration[] windows;

  BoundPolicy(Policy policy, PolicyState state) {
    this.policy = policy;
    this.state = state;
    List<Limit> limits = policy.limits();
    this.limitCount = limits.size();
    this.limitNames = new String[limitCount];
    this.quotas = new long[limitCount];
    this.windows = new Duration[limitCount];
    for (int i = 0; i < limitCount; i++) {
      Limit limit = limits.get(i);
      limitNames[i] = java.util.Objects.requireNonNull(limit.name());
      quotas[i] = limit.capacity();
      windows[i] = limit.refillPeriod();
    }
  }

  /** Reads the statuses of this policy's limits from a probe. */
  void statuses(long[] probe, int offset, List<RateLimitStatus> into) {
    for (int i = 0, at = offset; i < limitCount; i++, at += PolicyState.PROBE_STRIDE) {
      into.add(
          new RateLimitStatus(
              policy.name(),
              limitNames[i],
              quotas[i],
              windows[i],
              probe[at],
              Duration.ofNanos(probe[at + 1])));
    }
  }

  List<RateLimitStatus> statuses(long[] probe, int offset) {
    List<RateLimitStatus> list = new ArrayList<>(limitCount);
    statuses(probe, offset, list);
    return list;
  }

  /** The index of the limit with the longest wait in a probe. */
  int slowest(long[] probe, int offset) {
    int slowest = 0;
    for (int i = 1; i < limitCount; i++) {
      if (probe[offset + i * PolicyState.PROBE_STRIDE + 2]
          > probe[offset + slowest * PolicyState.PROBE_STRIDE + 2]) {
        slowest = i;
      }
    }
    return slowest;
  }

  long waitNanos(long[] probe, int offset, int limit) {
    return probe[offset + limit * PolicyState.PROBE_STRIDE + 2];
  }
}
