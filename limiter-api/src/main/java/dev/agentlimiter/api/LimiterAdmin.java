package dev.agentlimiter.api;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

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
   * Forgets an agent's state under a policy: its buckets (the next request starts from the policy's
   * initial tokens) and its loop, burst and reputation state. Not its penalty box (see {@link #release}),
   * its budget balance (budgets may be shared by policies) or its requests in flight. Meant for operators;
   * an agent cannot trigger it.
   */
  void reset(AgentIdentity agent, Policy policy);

  /** Every agent currently in a penalty box, in no particular order. */
  List<QuarantineStatus> quarantined();

  /** The agent's quarantine in a lane, if it is in the penalty box there now. */
  Optional<QuarantineStatus> quarantine(AgentIdentity agent, String lane);

  /**
   * Releases the agent from a lane's penalty box now; its escalation level is kept, so a repeat offence
   * still escalates.
   *
   * @return whether it was quarantined
   */
  boolean release(AgentIdentity agent, String lane);

  /** The agent's requests in flight under a policy (0 if the policy has no concurrency cap). */
  int inFlight(AgentIdentity agent, Policy policy);

  /** The agent's reputation factor under a policy in percent (the ceiling if none is tracked). */
  int reputationPercent(AgentIdentity agent, Policy policy);

  /**
   * The agent's balance in a budget for the current period (the full amount if the agent has not drawn on
   * it), if a policy bound to this limiter uses the budget.
   */
  OptionalLong budgetBalance(AgentIdentity agent, String budget);

  /** Requests admitted now and not yet ended, over every agent. */
  long requestsInFlight();

  /**
   * The agent's state under every policy bound to this limiter, read without taking a token or starting to
   * track it.
   */
  AgentState state(AgentIdentity agent);

  /**
   * The agents refused most often over the recent window, most refusals first, at most {@code limit} of
   * them, each with its current state. Kept in a fixed-size sketch whatever number of identities arrives.
   *
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  List<Offender> topOffenders(int limit);

  /** The configuration running now, with its generation and where it came from. */
  AppliedConfiguration configuration();

  /**
   * Replaces the configuration, atomically: {@code policies} is put over the builder's configuration by
   * name ({@link PolicySet#overriddenBy}), replacing whatever was applied before, and runs under the next
   * generation. Requests already being decided finish under the generation they started with. Agents' state
   * carries over by policy name ({@link StateInheritance}); the state of a policy that leaves the
   * configuration is dropped. Tells the listener a {@link ConfigurationEvent} either way. The very
   * configuration running now, applied again from the same origin, changes nothing: no new generation, no
   * event.
   *
   * @param origin where the configuration came from, for {@link #configuration()} and the event
   * @return the configuration now running
   * @throws IllegalArgumentException if the configuration is refused (it drops or leaves undefined a policy
   *     that a route of an adapter names, say, or its routes do not form a route table), naming why; the
   *     running configuration is kept
   */
  AppliedConfiguration apply(PolicySet policies, String origin);
}
