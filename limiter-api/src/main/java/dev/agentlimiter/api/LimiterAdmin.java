package dev.agentlimiter.api;

import java.util.List;

/**
 * The operator's view of an {@link AgentLimiter}, kept off the main interface. Thread-safe.
 */
public interface LimiterAdmin {

  /**
   * An estimate of the (policy, agent) pairs whose state is held, which the engine keeps at or below its
   * configured maximum.
   */
  long trackedAgents();

  /**
   * The current state of an agent's limits under a policy, without taking a token and without starting to
   * track the agent.
   */
  List<RateLimitStatus> inspect(AgentIdentity agent, Policy policy);

  /**
   * Forgets an agent's state under a policy, so its next request starts from the policy's initial tokens.
   * Meant for operators; an agent cannot trigger it.
   */
  void reset(AgentIdentity agent, Policy policy);
}
