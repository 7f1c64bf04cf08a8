package dev.agentlimiter.api;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Adaptive reputation (AIMD). Outcomes reported for an agent's requests under a policy (by the adapters
 * from the response status, or by the application through {@link AgentLimiter#report}) are counted in
 * consecutive windows of {@link #window()}. When a window with at least {@link #minimumSamples()} outcomes
 * has an error ratio above {@link #errorPercent()}, the agent's rate factor is multiplied by
 * {@link #decreasePercent()}%; after every other window, including idle ones, it rises by
 * {@link #increasePercent()} points. The factor stays within [{@link #floorPercent()},
 * {@link #ceilingPercent()}] and starts at the ceiling.
 *
 * <p>The factor scales the agent's effective refill rate: every request costs {@code ceil(cost * 100 /
 * factor)} tokens, capped at the smallest capacity of the policy.
 *
 * <p>Immutable and thread-safe; equal when every setting is equal. <b>New settings may be added, with
 * defaults, in a minor release</b>, so build a reputation only through {@link #errorsAbove} and the
 * {@code with…} methods.
 *
 * <pre>{@code
 * Reputation rep = Reputation.errorsAbove(20).within(Duration.ofMinutes(1));
 * }</pre>
 */
public final class Reputation {

  private final int errorPercent;
  private final Duration window;
  private final int minimumSamples;
  private final int decreasePercent;
  private final int increasePercent;
  private final int floorPercent;
  private final int ceilingPercent;

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the field, if a value is out of range
   */
  Reputation(
      int errorPercent,
      Duration window,
      int minimumSamples,
      int decreasePercent,
      int increasePercent,
      int floorPercent,
      int ceilingPercent) {
    Checks.between("reputation: errorPercent", errorPercent, 0, 99);
    Checks.positive("reputation: window", window, Duration.ofDays(1));
    if (window.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("reputation: window must be >= 1 ms but was " + window);
    }
    Checks.between("reputation: minimumSamples", minimumSamples, 1, 1_000_000);
    Checks.between("reputation: decreasePercent", decreasePercent, 1, 99);
    Checks.between("reputation: increasePercent", increasePercent, 1, 100);
    Checks.between("reputation: ceilingPercent", ceilingPercent, 1, 100);
    Checks.between("reputation: floorPercent", floorPercent, 1, ceilingPercent);
    this.errorPercent = errorPercent;
    this.window = window;
    this.minimumSamples = minimumSamples;
    this.decreasePercent = decreasePercent;
    this.increasePercent = increasePercent;
    this.floorPercent = floorPercent;
    this.ceilingPercent = ceilingPercent;
  }

  /** Starts a reputation that is lowered by windows with more than {@code percent}% errors. */
  public static Within errorsAbove(int percent) {
    Checks.between("reputation: errorPercent", percent, 0, 99);
    return new Within(percent);
  }

  /** This reputation with another minimum of outcomes per window. */
  public Reputation withMinimumSamples(int samples) {
    return new Reputation(
        errorPercent, window, samples, decreasePercent, increasePercent, floorPercent, ceilingPercent);
  }

  /** This reputation with another multiplicative decrease and additive increase. */
  public Reputation withSteps(int keptPercent, int addedPercent) {
    return new Reputation(
        errorPercent, window, minimumSamples, keptPercent, addedPercent, floorPercent, ceilingPercent);
  }

  /** This reputation with other bounds. */
  public Reputation withBounds(int floor, int ceiling) {
    return new Reputation(
        errorPercent, window, minimumSamples, decreasePercent, increasePercent, floor, ceiling);
  }

  /** The error ratio (in percent, 0 to 99) above which a window lowers the factor. */
  public int errorPercent() {
    return errorPercent;
  }

  /** The window length, 1 ms to 1 day. */
  public Duration window() {
    return window;
  }

  /** Outcomes a window needs before its ratio counts (default 10). */
  public int minimumSamples() {
    return minimumSamples;
  }

  /** The share of the factor kept after a bad window, 1 to 99 (default 50). */
  public int decreasePercent() {
    return decreasePercent;
  }

  /** The points added after a good window, 1 to 100 (default 10). */
  public int increasePercent() {
    return increasePercent;
  }

  /** The lowest factor, 1 to the ceiling (default 10). */
  public int floorPercent() {
    return floorPercent;
  }

  /** The highest factor, at most 100 (default 100). */
  public int ceilingPercent() {
    return ceilingPercent;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof Reputation other
        && errorPercent == other.errorPercent
        && window.equals(other.window)
        && minimumSamples == other.minimumSamples
        && decreasePercent == other.decreasePercent
        && increasePercent == other.increasePercent
        && floorPercent == other.floorPercent
        && ceilingPercent == other.ceilingPercent;
  }

  /** The hash a record of the same components would have. */
  @Override
  public int hashCode() {
    int h = Integer.hashCode(errorPercent);
    h = 31 * h + window.hashCode();
    h = 31 * h + Integer.hashCode(minimumSamples);
    h = 31 * h + Integer.hashCode(decreasePercent);
    h = 31 * h + Integer.hashCode(increasePercent);
    h = 31 * h + Integer.hashCode(floorPercent);
    return 31 * h + Integer.hashCode(ceilingPercent);
  }

  /**
   * {@code Reputation[errorPercent=20, window=PT1M, minimumSamples=10, decreasePercent=50,
   * increasePercent=10, floorPercent=10, ceilingPercent=100]}.
   */
  @Override
  public String toString() {
    return "Reputation[errorPercent="
        + errorPercent
        + ", window="
        + window
        + ", minimumSamples="
        + minimumSamples
        + ", decreasePercent="
        + decreasePercent
        + ", increasePercent="
        + increasePercent
        + ", floorPercent="
        + floorPercent
        + ", ceilingPercent="
        + ceilingPercent
        + "]";
  }

  /** The second stage of {@link Reputation#errorsAbove}. */
  public static final class Within {
    private final int errorPercent;

    private Within(int errorPercent) {
      this.errorPercent = errorPercent;
    }

    /** Completes the reputation with its defaults. */
    public Reputation within(Duration window) {
      return new Reputation(errorPercent, window, 10, 50, 10, 10, 100);
    }
  }
}
