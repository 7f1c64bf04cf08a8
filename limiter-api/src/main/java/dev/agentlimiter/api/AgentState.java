package dev.agentlimiter.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One agent's current state across every policy the limiter has bound, as {@link LimiterAdmin#state}
 * reports it to an operator: read without taking a token and without starting to track the agent.
 * Immutable. Carries no credential: the agent is named by its id.
 *
 * @param agentId the agent
 * @param limits the state of every limit of every bound policy, as the agent would meet it now
 * @param inFlight requests in flight, by the name of each policy with a concurrency cap
 * @param quarantines the lanes whose penalty box holds the agent now
 * @param reputationPercent the reputation factor, by the name of each policy with a reputation
 * @param budgetBalances the balance for the current period, by budget name
 */
@Beta
public record AgentState(
    String agentId,
    List<RateLimitStatus> limits,
    Map<String, Integer> inFlight,
    List<QuarantineStatus> quarantines,
    Map<String, Integer> reputationPercent,
    Map<String, Long> budgetBalances) {

  /** Copies every collection. */
  public AgentState {
    Objects.requireNonNull(agentId, "agentId");
    limits = List.copyOf(limits);
    inFlight = Map.copyOf(inFlight);
    quarantines = List.copyOf(quarantines);
    reputationPercent = Map.copyOf(reputationPercent);
    budgetBalances = Map.copyOf(budgetBalances);
  }

  /** Whether a penalty box holds the agent in any lane. */
  public boolean isQuarantined() {
    return !quarantines.isEmpty();
  }
}
