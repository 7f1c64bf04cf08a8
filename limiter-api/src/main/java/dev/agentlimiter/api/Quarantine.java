package dev.agentlimiter.api;

import java.time.Duration;

/**
 * The penalty box of a lane: an agent refused more than {@link #denials()} times within {@link #within()}
 * (rate, concurrency or loop refusals of the lane's policies), or caught looping when {@link #onLoop()},
 * is quarantined in that lane for {@link #duration()}, doubled for every repeat offence up to
 * {@link #maximum()}. Each {@link #decayAfter()} without an offence after a quarantine ends lowers the
 * level by one, back to the first duration. A quarantined agent's requests in the lane are refused with
 * {@link Reason#QUARANTINED} before any bucket is touched; its other lanes are unaffected. Immutable.
 *
 * <pre>{@code
 * Quarantine box = Quarantine.after(20).within(Duration.ofMinutes(1)).withDuration(Duration.ofMinutes(5));
 * }</pre>
 *
 * @param denials refusals tolerated within the window, 1 to 64
 * @param within the sliding window of refusals, at most 1 day
 * @param duration the first quarantine (default 1 minute)
 * @param maximum the cap of the doubling (default 1 hour, at least {@code duration}, at most 30 days)
 * @param decayAfter good behaviour that lowers the level by one (default 10 minutes)
 * @param onLoop whether a detected loop quarantines at once (default true)
 */
public record Quarantine(
    int denials,
    Duration within,
    Duration duration,
    Duration maximum,
    Duration decayAfter,
    boolean onLoop) {

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the field, if a value is out of range
   */
  public Quarantine {
    Checks.between("quarantine: denials", denials, 1, 64);
    Checks.positive("quarantine: within", within, Duration.ofDays(1));
    Checks.positive("quarantine: duration", duration, Duration.ofDays(30));
    Checks.positive("quarantine: maximum", maximum, Duration.ofDays(30));
    if (maximum.compareTo(duration) < 0) {
      throw new IllegalArgumentException(
          "quarantine: maximum must be >= duration (" + duration + ") but was " + maximum);
    }
    Checks.positive("quarantine: decayAfter", decayAfter, Duration.ofDays(30));
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
