package dev.agentlimiter.core.internal.defence;

import io.github.bucket4j.BucketState;

/**
 * Exact waits for Bucket4j's greedy refill, per limit. Bucket4j keeps, per limit, whole tokens and a
 * rounding error {@code e} in token-nanoseconds (so the true content is {@code size + e / period}), and
 * adds {@code floor((refill * elapsed + e) / period)} tokens after {@code elapsed}. The least wait until the
 * bucket holds {@code target} tokens is therefore {@code ceil(((target - size) * period - e) / refill)}.
 * Bucket4j's own {@code calculateDelayNanosAfterWillBePossibleToConsume} rounds this down, one nanosecond
 * short when the division is inexact; this class rounds up, so a client that waits exactly the reported
 * time is admitted. Overflow cannot happen: {@code Limit} guarantees {@code (capacity + 1) * period} fits.
 */
public final class GreedyMath {

  private GreedyMath() {}

  public static long nanosUntil(
      BucketState state, int limit, long target, long periodNanos, long refillTokens) {
    long size = state.getCurrentSize(limit);
    if (size >= target) {
      return 0;
    }
    long numerator = (target - size) * periodNanos - state.getRoundingError(limit);
    return Math.floorDiv(numerator + refillTokens - 1, refillTokens);
  }
}
