package dev.agentlimiter.api;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One token bucket: at most {@link #capacity()} tokens, and {@link #refillTokens()} tokens flowing back every
 * {@link #refillPeriod()}, continuously (greedy). Built in stages so an incomplete limit does not compile:
 *
 * <pre>{@code
 * Limit burst = Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst");
 * }</pre>
 *
 * <p>Guarantees, checked when each stage is built so that every later computation stays exact in 64-bit
 * integer arithmetic: {@code capacity > 0}, {@code refill > 0}, {@code 0 < period <= 100 years}, at most one
 * token per nanosecond, and {@code (capacity + 1) * period} and {@code (refill + 1) * period} fit in a
 * {@code long} of nanoseconds. Immutable and thread-safe.
 */
public final class Limit {

  /** The longest accepted refill period. */
  public static final Duration MAX_PERIOD = Duration.ofDays(36_500);

  private final @Nullable String name;
  private final long capacity;
  private final long refillTokens;
  private final Duration refillPeriod;
  private final long initialTokens;

  private Limit(
      @Nullable String name,
      long capacity,
      long refillTokens,
      Duration refillPeriod,
      long initialTokens) {
    this.name = name;
    this.capacity = capacity;
    this.refillTokens = refillTokens;
    this.refillPeriod = refillPeriod;
    this.initialTokens = initialTokens;
  }

  /**
   * Starts a limit holding at most {@code capacity} tokens.
   *
   * @throws IllegalArgumentException if {@code capacity <= 0}
   */
  public static RefillStage capacity(long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("limit: capacity must be > 0 but was " + capacity);
    }
    return new RefillStage(capacity);
  }

  /** The second stage: how many tokens come back. */
  public static final class RefillStage {
    private final long capacity;

    private RefillStage(long capacity) {
      this.capacity = capacity;
    }

    /**
     * Sets the tokens returned every period.
     *
     * @throws IllegalArgumentException if {@code tokens <= 0}
     */
    public PeriodStage refill(long tokens) {
      if (tokens <= 0) {
        throw new IllegalArgumentException("limit: refill must be > 0 but was " + tokens);
      }
      return new PeriodStage(capacity, tokens);
    }
  }

  /** The last stage: how often the refill tokens come back. */
  public static final class PeriodStage {
    private final long capacity;
    private final long refillTokens;

    private PeriodStage(long capacity, long refillTokens) {
      this.capacity = capacity;
      this.refillTokens = refillTokens;
    }

    /**
     * Completes the limit; it starts full.
     *
     * @throws IllegalArgumentException if the period is not positive, longer than {@link #MAX_PERIOD},
     *     refills more than one token per nanosecond, or makes the arithmetic overflow
     */
    public Limit per(Duration period) {
      Objects.requireNonNull(period, "period");
      if (period.isNegative() || period.isZero()) {
        throw new IllegalArgumentException("limit: period must be > 0 but was " + period);
      }
      if (period.compareTo(MAX_PERIOD) > 0) {
        throw new IllegalArgumentException(
            "limit: period must be <= " + MAX_PERIOD + " but was " + period);
      }
      long periodNanos = period.toNanos();
      if (refillTokens > periodNanos) {
        throw new IllegalArgumentException(
            "limit: refill must be at most one token per nanosecond but was "
                + refillTokens
                + " per "
                + period);
      }
      checkProduct("capacity", capacity, periodNanos, period);
      checkProduct("refill", refillTokens, periodNanos, period);
      long fillNanos = capacity * periodNanos / refillTokens;
      if (fillNanos > MAX_PERIOD.toNanos()) {
        throw new IllegalArgumentException(
            "limit: refilling "
                + capacity
                + " tokens at "
                + refillTokens
                + " per "
                + period
                + " takes longer than "
                + MAX_PERIOD);
      }
      return new Limit(null, capacity, refillTokens, period, capacity);
    }

    private static void checkProduct(String field, long value, long periodNanos, Duration period) {
      long max = Long.MAX_VALUE / periodNanos - 1;
      if (value > max) {
        throw new IllegalArgumentException(
            "limit: "
                + field
                + " must be <= "
                + max
                + " for a period of "
                + period
                + " but was "
                + value);
      }
    }
  }

  /**
   * This limit with a name, unique within its policy; it appears in headers and problem bodies.
   *
   * @throws IllegalArgumentException if the name is not 1 to 64 letters, digits, '.', '_' or '-'
   */
  public Limit named(String newName) {
    return new Limit(
        Grammar.checkName("limit: name", newName), capacity, refillTokens, refillPeriod, initialTokens);
  }

  /**
   * This limit with another number of tokens in a newly tracked agent's bucket (by default the capacity).
   *
   * @throws IllegalArgumentException if {@code tokens} is negative or above the capacity
   */
  public Limit withInitialTokens(long tokens) {
    if (tokens < 0 || tokens > capacity) {
      throw new IllegalArgumentException(
          "limit '"
              + describe()
              + "': initial tokens must be in [0, "
              + capacity
              + "] but was "
              + tokens);
    }
    return new Limit(name, capacity, refillTokens, refillPeriod, tokens);
  }

  /** The name, or {@code null} until named by the caller or by its {@link Policy}. */
  public @Nullable String name() {
    return name;
  }

  /** The most tokens the bucket holds. */
  public long capacity() {
    return capacity;
  }

  /** Tokens returned every {@link #refillPeriod()}. */
  public long refillTokens() {
    return refillTokens;
  }

  /** The refill period. */
  public Duration refillPeriod() {
    return refillPeriod;
  }

  /** Tokens in the bucket of a newly tracked agent. */
  public long initialTokens() {
    return initialTokens;
  }

  private String describe() {
    return name != null ? name : capacity + "/" + refillTokens + "/" + refillPeriod;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof Limit other
        && capacity == other.capacity
        && refillTokens == other.refillTokens
        && initialTokens == other.initialTokens
        && refillPeriod.equals(other.refillPeriod)
        && Objects.equals(name, other.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, capacity, refillTokens, refillPeriod, initialTokens);
  }

  @Override
  public String toString() {
    return "Limit["
        + (name == null ? "" : name + ": ")
        + "capacity="
        + capacity
        + ", refill="
        + refillTokens
        + " per "
        + refillPeriod
        + (initialTokens == capacity ? "" : ", initial=" + initialTokens)
        + "]";
  }
}
