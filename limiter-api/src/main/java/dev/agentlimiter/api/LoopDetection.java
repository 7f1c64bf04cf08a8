package dev.agentlimiter.api;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Retry-loop detection: the same {@link RequestFingerprint} from the same agent more than
 * {@link #repeats()} times within {@link #window()} (a sliding window; for safe methods, within one storm,
 * see below) is refused with
 * {@link Reason#LOOP_DETECTED}. Refused repeats count too, so an agent that keeps hammering stays refused,
 * and its retry-after doubles with every refusal from {@link #backoff()} up to {@link #maxBackoff()}. An
 * <em>error loop</em> is caught at a lower threshold: once the same request has failed (4xx/5xx reported
 * through {@link Admission#complete}) {@link #errorRepeats()} times in a row within the window, its next
 * repeat is refused.
 *
 * <p><b>A patient poller is never a loop.</b> For a {@linkplain RequestFingerprint#isSafe() safe} request
 * ({@code GET}, {@code HEAD}, {@code OPTIONS}, {@code TRACE}) a repeat counts only as part of a storm: while
 * an identical request is still in flight, after an identical one failed, or before the retry-after the
 * agent was given for it (the first such repeat also counts the request it repeats). A repeat that waited
 * for a successful answer and honoured every retry-after is not counted. Every repeat of any other request counts (a repeated write is itself the
 * anomaly), as does every repeat of a fingerprint made with {@link RequestFingerprint#of(long, long)}.
 *
 * <p><b>Requests with different fingerprints never affect each other</b>, and requests without a
 * fingerprint are never checked.
 *
 * <p>Immutable and thread-safe; equal when every setting is equal. <b>New settings may be added, with
 * defaults, in a minor release</b>, so build a detector only through {@link #after} and the {@code with…}
 * methods.
 *
 * <pre>{@code
 * LoopDetection loops = LoopDetection.after(5).within(Duration.ofSeconds(10));
 * }</pre>
 */
public final class LoopDetection {

  private final int repeats;
  private final Duration window;
  private final int errorRepeats;
  private final Duration backoff;
  private final Duration maxBackoff;
  private final int trackedFingerprints;

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the field, if a value is out of range
   */
  LoopDetection(
      int repeats,
      Duration window,
      int errorRepeats,
      Duration backoff,
      Duration maxBackoff,
      int trackedFingerprints) {
    Checks.between("loopDetection: repeats", repeats, 1, 64);
    Checks.positive("loopDetection: window", window, Duration.ofDays(1));
    Checks.between("loopDetection: errorRepeats", errorRepeats, 1, repeats);
    Checks.positive("loopDetection: backoff", backoff, Duration.ofDays(1));
    Checks.positive("loopDetection: maxBackoff", maxBackoff, Duration.ofDays(1));
    if (maxBackoff.compareTo(backoff) < 0) {
      throw new IllegalArgumentException(
          "loopDetection: maxBackoff must be >= backoff (" + backoff + ") but was " + maxBackoff);
    }
    Checks.between("loopDetection: trackedFingerprints", trackedFingerprints, 1, 256);
    this.repeats = repeats;
    this.window = window;
    this.errorRepeats = errorRepeats;
    this.backoff = backoff;
    this.maxBackoff = maxBackoff;
    this.trackedFingerprints = trackedFingerprints;
  }

  /** Starts a detector that tolerates {@code repeats} identical requests. */
  public static Within after(int repeats) {
    Checks.between("loopDetection: repeats", repeats, 1, 64);
    return new Within(repeats);
  }

  /** This detector with another error-loop threshold. */
  public LoopDetection withErrorRepeats(int failures) {
    return new LoopDetection(repeats, window, failures, backoff, maxBackoff, trackedFingerprints);
  }

  /** This detector with another retry-after escalation. */
  public LoopDetection withBackoff(Duration first, Duration maximum) {
    return new LoopDetection(repeats, window, errorRepeats, first, maximum, trackedFingerprints);
  }

  /** This detector remembering another number of distinct requests per agent. */
  public LoopDetection withTrackedFingerprints(int count) {
    return new LoopDetection(repeats, window, errorRepeats, backoff, maxBackoff, count);
  }

  /** Identical requests tolerated within the window, 1 to 64. */
  public int repeats() {
    return repeats;
  }

  /** The sliding window, at most 1 day. */
  public Duration window() {
    return window;
  }

  /**
   * Failures in a row of one request after which its next repeat is refused, 1 to {@link #repeats()}
   * (default half of {@code repeats}, rounded up).
   */
  public int errorRepeats() {
    return errorRepeats;
  }

  /** The first retry-after beyond the window's own (default 1 second). */
  public Duration backoff() {
    return backoff;
  }

  /** The cap of the doubling retry-after (default 5 minutes, at least {@link #backoff()}). */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /**
   * Distinct recent requests remembered per agent, 1 to 256 (default 16); the least recently seen is
   * forgotten first, which can only miss a loop, never invent one.
   */
  public int trackedFingerprints() {
    return trackedFingerprints;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof LoopDetection other
        && repeats == other.repeats
        && window.equals(other.window)
        && errorRepeats == other.errorRepeats
        && backoff.equals(other.backoff)
        && maxBackoff.equals(other.maxBackoff)
        && trackedFingerprints == other.trackedFingerprints;
  }

  /** The hash a record of the same components would have. */
  @Override
  public int hashCode() {
    int h = Integer.hashCode(repeats);
    h = 31 * h + window.hashCode();
    h = 31 * h + Integer.hashCode(errorRepeats);
    h = 31 * h + backoff.hashCode();
    h = 31 * h + maxBackoff.hashCode();
    return 31 * h + Integer.hashCode(trackedFingerprints);
  }

  /**
   * {@code LoopDetection[repeats=5, window=PT10S, errorRepeats=3, backoff=PT1S, maxBackoff=PT5M,
   * trackedFingerprints=16]}.
   */
  @Override
  public String toString() {
    return "LoopDetection[repeats="
        + repeats
        + ", window="
        + window
        + ", errorRepeats="
        + errorRepeats
        + ", backoff="
        + backoff
        + ", maxBackoff="
        + maxBackoff
        + ", trackedFingerprints="
        + trackedFingerprints
        + "]";
  }

  /** The second stage of {@link LoopDetection#after}. */
  public static final class Within {
    private final int repeats;

    private Within(int repeats) {
      this.repeats = repeats;
    }

    /** Completes the detector with its defaults. */
    public LoopDetection within(Duration window) {
      return new LoopDetection(
          repeats,
          window,
          (repeats + 1) / 2,
          Duration.ofSeconds(1),
          Duration.ofMinutes(5),
          16);
    }
  }
}
