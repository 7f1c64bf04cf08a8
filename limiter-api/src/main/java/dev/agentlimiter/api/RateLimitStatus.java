package dev.agentlimiter.api;

import java.time.Duration;
import java.util.Objects;

/**
 * The state of one limit for one agent at the moment of a decision: the values behind the IETF
 * {@code RateLimit-Policy} and {@code RateLimit} fields.
 *
 * @param policy the policy's name
 * @param limit the limit's name, written as the quoted policy item in the HTTP fields
 * @param quota the limit's capacity (the {@code q} parameter)
 * @param window the refill period (the {@code w} parameter, in whole seconds rounded up)
 * @param remaining tokens left after the decision (the {@code r} parameter)
 * @param resetAfter exact time until the bucket is full again (the {@code t} parameter, in whole seconds
 *     rounded up); zero when it is full
 */
public record RateLimitStatus(
    String policy, String limit, long quota, Duration window, long remaining, Duration resetAfter) {

  /**
   * Validates.
   *
   * @throws IllegalArgumentException if a count or duration is negative or remaining exceeds the quota
   */
  public RateLimitStatus {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(limit, "limit");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(resetAfter, "resetAfter");
    if (quota <= 0 || remaining < 0 || remaining > quota) {
      throw new IllegalArgumentException(
          "rate limit status '" + limit + "': need 0 <= remaining (" + remaining
              + ") <= quota (" + quota + ")");
    }
    if (window.isNegative() || window.isZero() || resetAfter.isNegative()) {
      throw new IllegalArgumentException(
          "rate limit status '" + limit + "': window must be > 0 and resetAfter >= 0");
    }
  }

  /** {@link #window()} in whole seconds, rounded up: the {@code w} parameter. */
  public long windowSeconds() {
    return Decision.ceilSeconds(window);
  }

  /** {@link #resetAfter()} in whole seconds, rounded up: the {@code t} parameter. */
  public long resetSeconds() {
    return Decision.ceilSeconds(resetAfter);
  }
}
