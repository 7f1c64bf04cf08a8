package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentState;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Offender;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.api.QuarantineStatus;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.internal.defence.AgentWatch;
import dev.agentlimiter.core.internal.defence.TopOffenders;
import dev.agentlimiter.core.internal.state.StateKeys;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The operator's view ({@link LimiterAdmin}) of an {@link Engine}: reads and resets its tables, and lists
 * the top offenders its {@link TopOffenders} sketch keeps. Never starts tracking an agent it reads.
 * Thread-safe.
 */
public final class EngineAdmin implements LimiterAdmin {

  private final Engine engine;
  private final TopOffenders offenders;

  public EngineAdmin(Engine engine, TopOffenders offenders) {
    this.engine = engine;
    this.offenders = offenders;
  }

  @Override
  public dev.agentlimiter.api.AppliedConfiguration configuration() {
    return engine.current().info();
  }

  @Override
  public dev.agentlimiter.api.AppliedConfiguration apply(
      dev.agentlimiter.api.PolicySet policies, String origin) {
    return engine.apply(policies, origin);
  }

  @Override
  public long trackedAgents() {
    return engine.store.trackedAgents();
  }

  @Override
  public List<RateLimitStatus> inspect(AgentIdentity agent, Policy policy) {
    return inspect(engine.bind(policy), StateKeys.of(agent));
  }

  private List<RateLimitStatus> inspect(BoundPolicy b, String key) {
    long[] probe = new long[b.limitCount * PolicyState.PROBE_STRIDE];
    b.state.inspect(key, b.policy.cost(), engine.clock.now(), probe, 0);
    return List.copyOf(b.statuses(probe, 0));
  }

  @Override
  public void reset(AgentIdentity agent, Policy policy) {
    BoundPolicy b = engine.bind(policy);
    String key = StateKeys.of(agent);
    b.state.forget(key);
    engine.watches.forget(b, key);
  }

  @Override
  public List<QuarantineStatus> quarantined() {
    return List.copyOf(engine.box.all());
  }

  @Override
  public Optional<QuarantineStatus> quarantine(AgentIdentity agent, String lane) {
    Integer id = engine.laneIds.get(lane);
    return id == null
        ? Optional.empty()
        : Optional.ofNullable(engine.box.status(id, StateKeys.of(agent), engine.clock.now()));
  }

  @Override
  public boolean release(AgentIdentity agent, String lane) {
    Integer id = engine.laneIds.get(lane);
    if (id == null || !engine.box.release(id, StateKeys.of(agent), engine.clock.now())) {
      return false;
    }
    engine.emit(new LimiterEvent.QuarantineReleased(agent.id(), lane));
    return true;
  }

  @Override
  public int inFlight(AgentIdentity agent, Policy policy) {
    return engine.inFlight.inFlight(engine.bind(policy), StateKeys.of(agent));
  }

  @Override
  public int reputationPercent(AgentIdentity agent, Policy policy) {
    return reputationPercent(engine.bind(policy), agent);
  }

  private int reputationPercent(BoundPolicy b, AgentIdentity agent) {
    Reputation rep = b.reputation;
    if (rep == null) {
      return 100;
    }
    AgentWatch w = engine.watches.getIfPresent(b, StateKeys.of(agent));
    return w == null
        ? rep.ceilingPercent()
        : engine.reputation(b, w, agent.id(), engine.clock.now(), Outcome.Kind.UNKNOWN, null);
  }

  @Override
  public OptionalLong budgetBalance(AgentIdentity agent, String budget) {
    Engine.BudgetScope scope = engine.budgetScopes.get(budget);
    return scope == null
        ? OptionalLong.empty()
        : OptionalLong.of(
            engine.budgets.balance(scope.id(), StateKeys.of(agent), scope.budget(), engine.clock.now()));
  }

  @Override
  public long requestsInFlight() {
    return Math.max(0, engine.openRequests.sum());
  }

  @Override
  public AgentState state(AgentIdentity agent) {
    String key = StateKeys.of(agent);
    long now = engine.clock.now();
    List<RateLimitStatus> limits = new ArrayList<>();
    Map<String, Integer> inFlight = new LinkedHashMap<>();
    Map<String, Integer> reputation = new LinkedHashMap<>();
    Map<String, Long> budgets = new LinkedHashMap<>();
    List<QuarantineStatus> quarantines = new ArrayList<>();
    Set<Integer> lanes = new HashSet<>();
    for (BoundPolicy b : engine.bound()) {
      if (b.policy.name().equals(AgentLimiters.CREDENTIAL_FAILURES_POLICY)) {
        continue; // kept per client address, not per agent
      }
      limits.addAll(inspect(b, key));
      if (b.concurrency != null) {
        inFlight.put(b.policy.name(), engine.inFlight.inFlight(b, key));
      }
      if (b.reputation != null) {
        reputation.put(b.policy.name(), reputationPercent(b, agent));
      }
      if (b.budget != null && !budgets.containsKey(b.budget.name())) {
        budgets.put(
            b.budget.name(), engine.budgets.balance(b.budgetScope, key, b.budget, now));
      }
      if (lanes.add(b.lane)) {
        QuarantineStatus q = engine.box.status(b.lane, key, now);
        if (q != null) {
          quarantines.add(q);
        }
      }
    }
    return new AgentState(agent.id(), limits, inFlight, quarantines, reputation, budgets);
  }

  @Override
  public List<Offender> topOffenders(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("topOffenders: limit must be at least 1 but was " + limit);
    }
    long now = engine.clock.now();
    List<Offender> out = new ArrayList<>();
    for (TopOffenders.Entry e : offenders.top(limit, now)) {
      AgentState state = state(AgentIdentity.of(e.display(), e.source())); // same source, same key
      out.add(
          new Offender(
              e.display(), e.source(), e.refusals(), e.requests(), e.overestimate(), e.lastReason(),
              e.lastSeen(), state));
    }
    return out;
  }
}
