package dev.agentlimiter.api;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The penalty box of a lane: an agent refused more than {@link #denials()} times within {@link #within()}
 * (rate, concurrency or loop refusals of the lane's policies), or caught looping when {@link #onLoop()},
 * is quarantined in that lane for {@link #duration()}, doubled for every repeat offence up to
 * {@link #maximum()}. Each {@link #decayAfter()} without an offence after a quarantine ends lowers the
 * level by one, back to the first duration. A quarantined agent's requests in the lane are refused with
 * {@link Reason#QUARANTINED} before any bucket is touched; its other lanes are unaffected.
 *
 * <p>Immutable and thread-safe; equal when every setting is equal. <b>New settings may be added, with
 * defaults, in a minor release</b>, so build a box only through {@link #after} and the {@code with…}
 * methods.
 *
 * <pre>{@code
 * Quarantine box = Quarantine.after(20).within(Duration.ofMinutes(1)).withDuration(Duration.ofMinutes(5));
 * }</pre>
 */
public final class Quarantine {

  private final int denials;
  private final Duration within;
  private final Duration duration;
  private final Duration maximum;
  private final Duration decayAfter;
  private final boolean onLoop;

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the field, if a value is out of range
   */
  Quarantine(
      int denials,
      Duration within,
      Duration duration,
      Duration maximum,
      Duration decayAfter,
      boolean onLoop) {
    Checks.between("quarantine: denials", denials, 1, 64);
    Checks.positive("quarantine: within", within, Duration.ofDays(1));
    Checks.positive("quarantine: duration", duration, Duration.ofDays(30));
    Checks.positive("quarantine: maximum", maximum, Duration.ofDays(30));
    if (maximum.compareTo(duration) < 0) {
      throw new IllegalArgumentException(
          "quarantine: maximum must be >= duration (" + duration + ") but was " + maximum);
    }
    Checks.positive("quarantine: decayAfter", decayAfter, Duration.ofDays(30));
    this.denials = denials;
    this.within = within;
    this.duration = duration;
    this.maximum = maximum;
    this.decayAfter = decayAfter;
    this.onLoop = onLoop;
  }

  /** Starts a penalty box that tolerates {@code denials} refusals. */
  public static Within after(int denials) {
    Checks.between("quarantine: denials", denials, 1, 64);
    return new Within(denials);
  }

  /** This box with another first duration and maximum. */
  public Quarantine withDuration(Duration first, Duration cap) {
    return new Quarantine(denials, within, first, cap, decayAfter, onLoop);
  }

  /** This box with another first duration, keeping the maximum (raised to it if lower). */
  public Quarantine withDuration(Duration first) {
    return new Quarantine(
        denials, within, first, maximum.compareTo(first) < 0 ? first : maximum, decayAfter, onLoop);
  }

  /** This box with another decay time. */
  public Quarantine withDecayAfter(Duration goodBehaviour) {
    return new Quarantine(denials, within, duration, maximum, goodBehaviour, onLoop);
  }

  /** This box, also (or no longer) triggered by a detected loop. */
  public Quarantine withOnLoop(boolean loopQuarantines) {
    return new Quarantine(denials, within, duration, maximum, decayAfter, loopQuarantines);
  }

  /** Refusals tolerated within the window, 1 to 64. */
  public int denials() {
    return denials;
  }

  /** The sliding window of refusals, at most 1 day. */
  public Duration within() {
    return within;
  }

  /** The first quarantine (default 1 minute). */
  public Duration duration() {
    return duration;
  }

  /** The cap of the doubling (default 1 hour, at least {@link #duration()}, at most 30 days). */
  public Duration maximum() {
    return maximum;
  }

  /** Good behaviour that lowers the level by one (default 10 minutes). */
  public Duration decayAfter() {
    return decayAfter;
  }

  /** Whether a detected loop quarantines at once (default true). */
  public boolean onLoop() {
    return onLoop;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof Quarantine other
        && denials == other.denials
        && within.equals(other.within)
        && duration.equals(other.duration)
        && maximum.equals(other.maximum)
        && decayAfter.equals(other.decayAfter)
        && onLoop == other.onLoop;
  }

  /** The hash a record of the same components would have. */
  @Override
  public int hashCode() {
    int h = Integer.hashCode(denials);
    h = 31 * h + within.hashCode();
    h = 31 * h + duration.hashCode();
    h = 31 * h + maximum.hashCode();
    h = 31 * h + decayAfter.hashCode();
    return 31 * h + Boolean.hashCode(onLoop);
  }

  /**
   * {@code Quarantine[denials=20, within=PT1M, duration=PT1M, maximum=PT1H, decayAfter=PT10M,
   * onLoop=true]}.
   */
  @Override
  public String toString() {
    return "Quarantine[denials="
        + denials
        + ", within="
        + within
        + ", duration="
        + duration
        + ", maximum="
        + maximum
        + ", decayAfter="
        + decayAfter
        + ", onLoop="
        + onLoop
        + "]";
  }

  /** The second stage of {@link Quarantine#after}. */
  public static final class Within {
    private final int denials;

    private Within(int denials) {
      this.denials = denials;
    }

    /** Completes the box with its defaults. */
    public Quarantine within(Duration window) {
      return new Quarantine(
          denials,
          window,
          Duration.ofMinutes(1),
          Duration.ofHours(1),
          Duration.ofMinutes(10),
          true);
    }
  }
}
