package dev.agentlimiter.api;

/**
 * The engine: decides, for one request at a time, whether an agent may proceed. Built by
 * {@code dev.agentlimiter.core.AgentLimiters.newBuilder()}.
 *
 * <p>Thread-safe. Decisions for one agent are linearizable: the tokens granted to concurrent requests never
 * exceed what the limits allow. A decision never throws because of limiter state; denial is a value.
 */
public interface AgentLimiter {

  /**
   * Decides a request and, if it is admitted, takes its cost from every limit of every policy. A refused
   * request takes nothing.
   *
   * @return the decision, with the state of the limits evaluated
   */
  Decision decide(AgentRequest request);

  /**
   * The fast path of {@link #decide}: one policy, its default cost, no decision object, no listener
   * event. Allocates nothing once the agent is tracked.
   *
   * @return whether the request is admitted (and its cost taken)
   */
  boolean tryAcquire(AgentIdentity agent, Policy policy);

  /** Inspection and reset, for operators and tests. */
  LimiterAdmin admin();
}
