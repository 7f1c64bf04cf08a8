package dev.agentlimiter.api;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Fan-out detection: an agent's request count in the current short {@link #window()} is compared with its
 * own long-term baseline, an exponentially weighted moving average over about {@link #baseline()}. When
 * the count exceeds {@link #factor()} times the baseline (never less than {@link #minimumRate()}), one
 * {@link LimiterEvent.BurstDetected} is emitted for the spike, however many windows it lasts. In
 * {@link Mode#THROTTLE} the requests over the threshold are also refused with
 * {@link Reason#RATE_LIMITED} until the window ends.
 *
 * <p>Immutable and thread-safe; equal when every setting is equal. <b>New settings may be added, with
 * defaults, in a minor release</b>, so build a detector only through {@link #factor} and the
 * {@code with…} methods.
 *
 * <pre>{@code
 * BurstDetection burst = BurstDetection.factor(8).withMode(BurstDetection.Mode.THROTTLE);
 * }</pre>
 */
public final class BurstDetection {

  /** What a detected spike does. */
  public enum Mode {
    /** Emit the event; refuse nothing. */
    REPORT,
    /** Emit the event and refuse requests over the threshold until the window ends. */
    THROTTLE
  }

  private final int factor;
  private final Duration window;
  private final Duration baseline;
  private final long minimumRate;
  private final Mode mode;

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the field, if a value is out of range
   */
  BurstDetection(int factor, Duration window, Duration baseline, long minimumRate, Mode mode) {
    Checks.between("burstDetection: factor", factor, 2, 1000);
    Checks.positive("burstDetection: window", window, Duration.ofHours(1));
    if (window.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException(
          "burstDetection: window must be >= 1 ms but was " + window);
    }
    Checks.positive("burstDetection: baseline", baseline, Duration.ofDays(7));
    long windows = baseline.toNanos() / window.toNanos();
    if (windows < 2 || windows > 10_000) {
      throw new IllegalArgumentException(
          "burstDetection: baseline must span 2 to 10,000 windows of "
              + window
              + " but was "
              + baseline);
    }
    Checks.between("burstDetection: minimumRate", minimumRate, 1, 1_000_000_000L);
    Objects.requireNonNull(mode, "burstDetection: mode");
    this.factor = factor;
    this.window = window;
    this.baseline = baseline;
    this.minimumRate = minimumRate;
    this.mode = mode;
  }

  /** A report-only detector with a 1-second window, a 1-minute baseline and a minimum rate of 2. */
  public static BurstDetection factor(int factor) {
    return new BurstDetection(factor, Duration.ofSeconds(1), Duration.ofMinutes(1), 2, Mode.REPORT);
  }

  /** This detector with another short window and baseline horizon. */
  public BurstDetection withWindows(Duration shortWindow, Duration baselineHorizon) {
    return new BurstDetection(factor, shortWindow, baselineHorizon, minimumRate, mode);
  }

  /** This detector with another minimum baseline, in requests per window. */
  public BurstDetection withMinimumRate(long requestsPerWindow) {
    return new BurstDetection(factor, window, baseline, requestsPerWindow, mode);
  }

  /** This detector with another mode. */
  public BurstDetection withMode(Mode spikeMode) {
    return new BurstDetection(factor, window, baseline, minimumRate, spikeMode);
  }

  /** How many times the baseline counts as a spike, 2 to 1,000 (default window 1 second). */
  public int factor() {
    return factor;
  }

  /** The short window, 1 ms to 1 hour. */
  public Duration window() {
    return window;
  }

  /**
   * The averaging horizon of the baseline, 2 to 10,000 windows (default 1 minute); idle windows decay it,
   * and an agent idle for a whole horizon starts from zero.
   */
  public Duration baseline() {
    return baseline;
  }

  /**
   * The smallest baseline assumed, in requests per window, so a new or idle agent's first requests are not
   * a spike (default 2).
   */
  public long minimumRate() {
    return minimumRate;
  }

  /** Report only (default) or throttle. */
  public Mode mode() {
    return mode;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof BurstDetection other
        && factor == other.factor
        && window.equals(other.window)
        && baseline.equals(other.baseline)
        && minimumRate == other.minimumRate
        && mode == other.mode;
  }

  /** The hash a record of the same components would have. */
  @Override
  public int hashCode() {
    int h = Integer.hashCode(factor);
    h = 31 * h + window.hashCode();
    h = 31 * h + baseline.hashCode();
    h = 31 * h + Long.hashCode(minimumRate);
    return 31 * h + mode.hashCode();
  }

  /** {@code BurstDetection[factor=8, window=PT1S, baseline=PT1M, minimumRate=2, mode=REPORT]}. */
  @Override
  public String toString() {
    return "BurstDetection[factor="
        + factor
        + ", window="
        + window
        + ", baseline="
        + baseline
        + ", minimumRate="
        + minimumRate
        + ", mode="
        + mode
        + "]";
  }
}
