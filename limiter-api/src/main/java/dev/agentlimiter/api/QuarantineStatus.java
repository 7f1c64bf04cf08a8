package dev.agentlimiter.api;

import java.time.Duration;
import java.util.Objects;

/**
 * An agent in the penalty box of one lane, as {@link LimiterAdmin} reports it.
 *
 * @param agentId the agent
 * @param lane the lane it is quarantined in
 * @param policy the policy whose refusal put it there (the lane may hold other policies too)
 * @param remaining time until the quarantine ends, &gt; 0
 * @param level how many times it has been quarantined without decaying back, from 1
 * @param cause the refusal that triggered it ({@link Reason#LOOP_DETECTED} or the last counted refusal)
 */
public record QuarantineStatus(
    String agentId, String lane, String policy, Duration remaining, int level, Reason cause) {

  /**
   * Validates.
   *
   * @throws IllegalArgumentException if {@code remaining} is not positive or {@code level < 1}
   */
  public QuarantineStatus {
    Objects.requireNonNull(agentId, "agentId");
    Objects.requireNonNull(lane, "lane");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(cause, "cause");
    if (remaining.isNegative() || remaining.isZero() || level < 1) {
      throw new IllegalArgumentException(
          "quarantine status: remaining must be > 0 and level >= 1 but were "
              + remaining
              + " and "
              + level);
    }
  }
}
