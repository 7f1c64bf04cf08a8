package dev.agentlimiter.api;

/**
 * The engine: decides, for one request at a time, whether an agent may proceed. Built by
 * {@code dev.agentlimiter.core.AgentLimiters.newBuilder()}.
 *
 * <p>Thread-safe. Decisions for one agent are linearizable: the tokens granted to concurrent requests never
 * exceed what the limits allow. A decision never throws because of limiter state; denial is a value.
 *
 * <p>Checks run in this order, and the first refusal wins: cost within capacity ({@link
 * Reason#INVALID_REQUEST}), the lane's penalty box ({@link Reason#QUARANTINED}, nothing else touched),
 * retry loops ({@link Reason#LOOP_DETECTED}), requests in flight ({@link Reason#CONCURRENCY_LIMITED}),
 * throttled bursts, token buckets scaled by reputation, budgets (all {@link Reason#RATE_LIMITED}). A
 * refused request takes nothing from buckets, permits or budgets.
 */
public interface AgentLimiter {

  /**
   * Decides a request and, if it is admitted, takes its cost from every limit of every policy. Equivalent
   * to {@link #enter} followed at once by {@link Admission#close()}: a concurrency permit is checked but
   * not held, and budgets are charged the estimate.
   *
   * @return the decision, with the state of the limits evaluated
   */
  Decision decide(AgentRequest request);

  /**
   * Decides a request and, if it is admitted, holds what it uses until the returned admission ends: its
   * concurrency permits and budget reservations. The admission must be ended exactly once, with the
   * request's outcome if known; see {@link Admission}.
   */
  Admission enter(AgentRequest request);

  /**
   * Reports an outcome the application learned outside a request, such as a bounce or a spam report,
   * to the agent's {@linkplain Reputation reputation} under a policy. Does nothing if the policy has no
   * reputation; an actual cost in the outcome is ignored.
   */
  void report(AgentIdentity agent, Policy policy, Outcome outcome);

  /**
   * The fast path of {@link #decide}: one policy, its default cost, no decision object, no listener
   * event. Allocates nothing once the agent is tracked, when the policy has no defences beyond its limits;
   * otherwise it is {@code decide(AgentRequest.of(agent, policy)).isAllowed()}.
   *
   * @return whether the request is admitted (and its cost taken)
   */
  boolean tryAcquire(AgentIdentity agent, Policy policy);

  /** Inspection, reset and release, for operators and tests. */
  LimiterAdmin admin();
}
