package dev.agentlimiter.api;

import java.time.Duration;

/**
 * Something a detector noticed, delivered to {@link LimiterListener#onEvent} on the thread that caused it,
 * for audit logs and metrics. Every event names the agent; none carries request content. What was decided
 * about each request, refusals before any policy included, is its {@link DecisionEvent}.
 */
public sealed interface LimiterEvent {

  /** The agent the event is about. */
  String agentId();

  /**
   * The same request was repeated past the policy's {@link LoopDetection} threshold.
   *
   * @param policy the policy whose detector fired
   * @param fingerprint the repeated request
   * @param errorLoop whether it was the error-loop threshold (repeated failures)
   * @param retryAfter the retry-after given
   */
  record LoopDetected(
      String agentId,
      String policy,
      RequestFingerprint fingerprint,
      boolean errorLoop,
      Duration retryAfter)
      implements LimiterEvent {}

  /**
   * The agent's short-window rate exceeded its baseline by the policy's {@link BurstDetection} factor; once
   * per spike.
   *
   * @param policy the policy whose detector fired
   * @param requestsInWindow requests counted in the current window when the spike was detected
   * @param threshold the count that was exceeded
   * @param throttled whether the policy throttles spikes
   */
  record BurstDetected(
      String agentId, String policy, long requestsInWindow, long threshold, boolean throttled)
      implements LimiterEvent {}

  /**
   * The agent was put in the penalty box of a lane.
   *
   * @param lane the lane
   * @param policy the policy whose refusal triggered it
   * @param duration how long
   * @param level the escalation level, from 1
   * @param cause the refusal that triggered it
   */
  record Quarantined(
      String agentId, String lane, String policy, Duration duration, int level, Reason cause)
      implements LimiterEvent {}

  /**
   * An operator released the agent from a lane's penalty box before its time.
   *
   * @param lane the lane
   */
  record QuarantineReleased(String agentId, String lane) implements LimiterEvent {}

  /**
   * The agent's reputation factor under a policy changed.
   *
   * @param policy the policy
   * @param fromPercent the factor before
   * @param toPercent the factor after
   */
  record ReputationChanged(String agentId, String policy, int fromPercent, int toPercent)
      implements LimiterEvent {}

  /**
   * A request crossed the agent's budget: the balance is no longer positive and the next requests are
   * refused until the reset.
   *
   * @param budget the budget
   * @param balance the balance after the charge, &lt;= 0
   * @param resetAfter time until the period ends
   */
  record BudgetExhausted(String agentId, String budget, long balance, Duration resetAfter)
      implements LimiterEvent {}

  /**
   * The leak guard reclaimed a concurrency permit that was held past {@link ConcurrencyLimit#maxHold()}.
   *
   * @param policy the policy
   * @param heldFor how long it was held
   */
  record PermitReclaimed(String agentId, String policy, Duration heldFor) implements LimiterEvent {}
}
