package dev.agentlimiter.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Something a detector noticed, delivered to {@link LimiterListener#onEvent} on the thread that caused it,
 * for audit logs and metrics. Every event names the agent; none carries request content. What was decided
 * about each request, refusals before any policy included, is its {@link DecisionEvent}.
 */
public sealed interface LimiterEvent {

  /** The agent the event is about. */
  String agentId();

  /**
   * The id of the request that caused it, the same as that request's {@link DecisionEvent#requestId()};
   * empty for events no request caused (an operator's release, a reclaimed permit) and for a request
   * outside HTTP ({@link AgentLimiter#decide}, {@link AgentLimiter#enter}, {@link AgentLimiter#report}),
   * whose decision event carries none either.
   */
  Optional<String> requestId();

  /**
   * The same request was repeated past the policy's {@link LoopDetection} threshold.
   *
   * @param policy the policy whose detector fired
   * @param fingerprint the repeated request
   * @param errorLoop whether it was the error-loop threshold (repeated failures)
   * @param retryAfter the retry-after given
   * @param requestId the id of the request that caused it, as its {@link DecisionEvent#requestId()}
   */
  record LoopDetected(
      String agentId,
      String policy,
      RequestFingerprint fingerprint,
      boolean errorLoop,
      Duration retryAfter,
      Optional<String> requestId)
      implements LimiterEvent {

    public LoopDetected {
      Objects.requireNonNull(requestId, "requestId");
    }

    /** The event with no request id, as before {@link #requestId()} existed. */
    public LoopDetected(
        String agentId,
        String policy,
        RequestFingerprint fingerprint,
        boolean errorLoop,
        Duration retryAfter) {
      this(agentId, policy, fingerprint, errorLoop, retryAfter, Optional.empty());
    }
  }

  /**
   * The agent's short-window rate exceeded its baseline by the policy's {@link BurstDetection} factor; once
   * per spike.
   *
   * @param policy the policy whose detector fired
   * @param requestsInWindow requests counted in the current window when the spike was detected
   * @param threshold the count that was exceeded
   * @param throttled whether the policy throttles spikes
   * @param requestId the id of the request that caused it, as its {@link DecisionEvent#requestId()}
   */
  record BurstDetected(
      String agentId,
      String policy,
      long requestsInWindow,
      long threshold,
      boolean throttled,
      Optional<String> requestId)
      implements LimiterEvent {

    public BurstDetected {
      Objects.requireNonNull(requestId, "requestId");
    }

    /** The event with no request id, as before {@link #requestId()} existed. */
    public BurstDetected(
        String agentId, String policy, long requestsInWindow, long threshold, boolean throttled) {
      this(agentId, policy, requestsInWindow, threshold, throttled, Optional.empty());
    }
  }

  /**
   * The agent was put in the penalty box of a lane.
   *
   * @param lane the lane
   * @param policy the policy whose refusal triggered it
   * @param duration how long
   * @param level the escalation level, from 1
   * @param cause the refusal that triggered it
   * @param requestId the id of the request that caused it, as its {@link DecisionEvent#requestId()}
   */
  record Quarantined(
      String agentId,
      String lane,
      String policy,
      Duration duration,
      int level,
      Reason cause,
      Optional<String> requestId)
      implements LimiterEvent {

    public Quarantined {
      Objects.requireNonNull(requestId, "requestId");
    }

    /** The event with no request id, as before {@link #requestId()} existed. */
    public Quarantined(
        String agentId, String lane, String policy, Duration duration, int level, Reason cause) {
      this(agentId, lane, policy, duration, level, cause, Optional.empty());
    }
  }

  /**
   * An operator released the agent from a lane's penalty box before its time.
   *
   * @param lane the lane
   * @param requestId empty when the limiter tells it: an operator, not a request, releases the agent
   */
  record QuarantineReleased(String agentId, String lane, Optional<String> requestId)
      implements LimiterEvent {

    public QuarantineReleased {
      Objects.requireNonNull(requestId, "requestId");
    }

    /** The event with no request id, as before {@link #requestId()} existed. */
    public QuarantineReleased(String agentId, String lane) {
      this(agentId, lane, Optional.empty());
    }
  }

  /**
   * The agent's reputation factor under a policy changed.
   *
   * @param policy the policy
   * @param fromPercent the factor before
   * @param toPercent the factor after
   * @param requestId the id of the request that caused it, as its {@link DecisionEvent#requestId()}
   */
  record ReputationChanged(
      String agentId, String policy, int fromPercent, int toPercent, Optional<String> requestId)
      implements LimiterEvent {

    public ReputationChanged {
      Objects.requireNonNull(requestId, "requestId");
    }

    /** The event with no request id, as before {@link #requestId()} existed. */
    public ReputationChanged(String agentId, String policy, int fromPercent, int toPercent) {
      this(agentId, policy, fromPercent, toPercent, Optional.empty());
    }
  }

  /**
   * A request crossed the agent's budget: the balance is no longer positive and the next requests are
   * refused until the reset.
   *
   * @param budget the budget
   * @param balance the balance after the charge, &lt;= 0
   * @param resetAfter time until the period ends
   * @param requestId the id of the request that caused it, as its {@link DecisionEvent#requestId()}
   */
  record BudgetExhausted(
      String agentId, String budget, long balance, Duration resetAfter, Optional<String> requestId)
      implements LimiterEvent {

    public BudgetExhausted {
      Objects.requireNonNull(requestId, "requestId");
    }

    /** The event with no request id, as before {@link #requestId()} existed. */
    public BudgetExhausted(String agentId, String budget, long balance, Duration resetAfter) {
      this(agentId, budget, balance, resetAfter, Optional.empty());
    }
  }

  /**
   * The leak guard reclaimed a concurrency permit that was held past {@link ConcurrencyLimit#maxHold()}.
   *
   * @param policy the policy
   * @param heldFor how long it was held
   * @param requestId empty when the limiter tells it: the leak guard, not a request, reclaims the permit
   */
  record PermitReclaimed(String agentId, String policy, Duration heldFor, Optional<String> requestId)
      implements LimiterEvent {

    public PermitReclaimed {
      Objects.requireNonNull(requestId, "requestId");
    }

    /** The event with no request id, as before {@link #requestId()} existed. */
    public PermitReclaimed(String agentId, String policy, Duration heldFor) {
      this(agentId, policy, heldFor, Optional.empty());
    }
  }
}
