package dev.agentlimiter.api;

import java.time.Duration;

/**
 * A cap on an agent's requests in flight under one policy. An admitted request holds a permit until its
 * {@link Admission} completes; a permit that is never completed is reclaimed once it has been held for
 * {@link #maxHold()} (the leak guard). A request over the cap is refused with
 * {@link Reason#CONCURRENCY_LIMITED} and {@link #retryAfter()}. Immutable.
 *
 * <pre>{@code
 * ConcurrencyLimit cap = ConcurrencyLimit.of(8).withMaxHold(Duration.ofMinutes(2));
 * }</pre>
 *
 * @param maxInFlight permits per agent, 1 to 100,000
 * @param maxHold how long a permit may be held before the leak guard reclaims it (default 5 minutes, at most
 *     1 day)
 * @param retryAfter the retry-after of a refusal: permits have no schedule, so this is a hint (default 1
 *     second, at most 1 hour)
 */
public record ConcurrencyLimit(int maxInFlight, Duration maxHold, Duration retryAfter) {

  /** Default {@link #maxHold()}. */
  public static final Duration DEFAULT_MAX_HOLD = Duration.ofMinutes(5);

  /** Default {@link #retryAfter()}. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the field, if a value is out of range
   */
  public ConcurrencyLimit {
    Checks.between("concurrency: maxInFlight", maxInFlight, 1, 100_000);
    Checks.positive("concurrency: maxHold", maxHold, Duration.ofDays(1));
    Checks.positive("concurrency: retryAfter", retryAfter, Duration.ofHours(1));
  }

  /** A cap of {@code maxInFlight} permits with the default hold time and retry-after. */
  public static ConcurrencyLimit of(int maxInFlight) {
    return new ConcurrencyLimit(maxInFlight, DEFAULT_MAX_HOLD, DEFAULT_RETRY_AFTER);
  }

  /** This cap with another leak-guard hold time. */
  public ConcurrencyLimit withMaxHold(Duration hold) {
    return new ConcurrencyLimit(maxInFlight, hold, retryAfter);
  }

  /** This cap with another retry-after for refusals. */
  public ConcurrencyLimit withRetryAfter(Duration wait) {
    return new ConcurrencyLimit(maxInFlight, maxHold, wait);
  }
}
