package dev.agentlimiter.api;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A cap on an agent's requests in flight under one policy. An admitted request holds a permit until its
 * {@link Admission} completes; a permit that is never completed is reclaimed once it has been held for
 * {@link #maxHold()} (the leak guard). A request over the cap is refused with
 * {@link Reason#CONCURRENCY_LIMITED} and {@link #retryAfter()}.
 *
 * <p>Immutable and thread-safe; equal when every setting is equal. <b>New settings may be added, with
 * defaults, in a minor release</b>, so build a cap only through {@link #of} and the {@code with…} methods.
 *
 * <pre>{@code
 * ConcurrencyLimit cap = ConcurrencyLimit.of(8).withMaxHold(Duration.ofMinutes(2));
 * }</pre>
 */
public final class ConcurrencyLimit {

  /** Default {@link #maxHold()}. */
  public static final Duration DEFAULT_MAX_HOLD = Duration.ofMinutes(5);

  /** Default {@link #retryAfter()}. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  private final int maxInFlight;
  private final Duration maxHold;
  private final Duration retryAfter;

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the field, if a value is out of range
   */
  ConcurrencyLimit(int maxInFlight, Duration maxHold, Duration retryAfter) {
    Checks.between("concurrency: maxInFlight", maxInFlight, 1, 100_000);
    Checks.positive("concurrency: maxHold", maxHold, Duration.ofDays(1));
    Checks.positive("concurrency: retryAfter", retryAfter, Duration.ofHours(1));
    this.maxInFlight = maxInFlight;
    this.maxHold = maxHold;
    this.retryAfter = retryAfter;
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

  /** Permits per agent, 1 to 100,000. */
  public int maxInFlight() {
    return maxInFlight;
  }

  /**
   * How long a permit may be held before the leak guard reclaims it (default 5 minutes, at most 1 day).
   */
  public Duration maxHold() {
    return maxHold;
  }

  /**
   * The retry-after of a refusal: permits have no schedule, so this is a hint (default 1 second, at most 1
   * hour).
   */
  public Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof ConcurrencyLimit other
        && maxInFlight == other.maxInFlight
        && maxHold.equals(other.maxHold)
        && retryAfter.equals(other.retryAfter);
  }

  /** The hash a record of the same components would have. */
  @Override
  public int hashCode() {
    int h = Integer.hashCode(maxInFlight);
    h = 31 * h + maxHold.hashCode();
    return 31 * h + retryAfter.hashCode();
  }

  /** {@code ConcurrencyLimit[maxInFlight=8, maxHold=PT5M, retryAfter=PT1S]}. */
  @Override
  public String toString() {
    return "ConcurrencyLimit[maxInFlight="
        + maxInFlight
        + ", maxHold="
        + maxHold
        + ", retryAfter="
        + retryAfter
        + "]";
  }
}
