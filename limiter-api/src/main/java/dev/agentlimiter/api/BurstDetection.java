package dev.agentlimiter.api;

import java.time.Duration;

/**
 * Fan-out detection: an agent's request count in the current short {@link #window()} is compared with its
 * own long-term baseline, an exponentially weighted moving average over about {@link #baseline()}. When
 * the count exceeds {@link #factor()} times the baseline (never less than {@link #minimumRate()}), one
 * {@link LimiterEvent.BurstDetected} is emitted for the spike, however many windows it lasts. In
 * {@link Mode#THROTTLE} the requests over the threshold are also refused with
 * {@link Reason#RATE_LIMITED} until the window ends. Immutable.
 *
 * <pre>{@code
 * BurstDetection burst = BurstDetection.factor(8).withMode(BurstDetection.Mode.THROTTLE);
 * }</pre>
 *
 * @param factor how many times the baseline counts as a spike, 2 to 1,000 (default window 1 second)
 * @param window the short window, 1 ms to 1 hour
 * @param baseline the averaging horizon of the baseline, 2 to 10,000 windows (default 1 minute); idle
 *     windows decay it, and an agent idle for a whole horizon starts from zero
 * @param minimumRate the smallest baseline assumed, in requests per window, so a new or idle agent's first
 *     requests are not a spike (default 2)
 * @param mode report only (default) or throttle
 */
public record BurstDetection(
    int factor, Duration window, Duration baseline, long minimumRate, Mode mode) {

  /** What a detected spike does. */
  public enum Mode {
    /** Emit the event; refuse nothing. */
    REPORT,
    /** Emit the event and refuse requests over the threshold until the window ends. */
    THROTTLE
  }

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the field, if a value is out of range
   */
  public BurstDetection {
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
    java.util.Objects.requireNonNull(mode, "burstDetection: mode");
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
}
