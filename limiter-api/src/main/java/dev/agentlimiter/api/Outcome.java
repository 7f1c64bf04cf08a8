package dev.agentlimiter.api;

import java.util.OptionalLong;

/**
 * How an admitted request ended, fed back to the engine: failures lower the agent's
 * {@linkplain Reputation reputation} and count towards {@linkplain LoopDetection error loops}; an actual
 * cost settles {@linkplain Budget budgets}. Immutable.
 */
public final class Outcome {

  /** Whether the request succeeded. */
  public enum Kind {
    /** The request succeeded (2xx or 3xx, or the application said so). */
    SUCCESS,
    /** The request failed (4xx or 5xx, an exception, or an application report such as a bounce). */
    FAILURE,
    /** Nothing is known, for example a permit closed without a status: only releases. */
    UNKNOWN
  }

  private static final Outcome SUCCESS = new Outcome(Kind.SUCCESS, -1);
  private static final Outcome FAILURE = new Outcome(Kind.FAILURE, -1);
  private static final Outcome UNKNOWN = new Outcome(Kind.UNKNOWN, -1);

  private final Kind kind;
  private final long actualCost;

  private Outcome(Kind kind, long actualCost) {
    this.kind = kind;
    this.actualCost = actualCost;
  }

  /** A success. */
  public static Outcome success() {
    return SUCCESS;
  }

  /** A failure. */
  public static Outcome failure() {
    return FAILURE;
  }

  /** No feedback. */
  public static Outcome unknown() {
    return UNKNOWN;
  }

  /**
   * The outcome of an HTTP status, the one rule every adapter uses: 100 to 399 succeed, 400 to 599 fail,
   * and any other int (a container's 0 for "not set", a made-up 999) is {@linkplain #unknown() unknown}.
   * Never throws: a status is reported by a container, and a surprising one must not reach the application
   * as an exception.
   */
  public static Outcome ofStatus(int httpStatus) {
    if (httpStatus < 100 || httpStatus > 599) {
      return UNKNOWN;
    }
    return httpStatus >= 400 ? FAILURE : SUCCESS;
  }

  /**
   * This outcome with the request's actual cost, which settles every budget the request reserved.
   *
   * @throws IllegalArgumentException if {@code cost < 0}
   */
  public Outcome withActualCost(long cost) {
    Checks.between("outcome: actualCost", cost, 0, Long.MAX_VALUE / 4);
    return new Outcome(kind, cost);
  }

  /** Whether the request succeeded, failed, or is unknown. */
  public Kind kind() {
    return kind;
  }

  /** The actual cost, if reported; budgets keep the estimate otherwise. */
  public OptionalLong actualCost() {
    return actualCost < 0 ? OptionalLong.empty() : OptionalLong.of(actualCost);
  }

  @Override
  public boolean equals(@org.jspecify.annotations.Nullable Object o) {
    return o instanceof Outcome other && kind == other.kind && actualCost == other.actualCost;
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + Long.hashCode(actualCost);
  }

  @Override
  public String toString() {
    return "Outcome[" + kind + (actualCost < 0 ? "" : ", actualCost=" + actualCost) + "]";
  }
}
