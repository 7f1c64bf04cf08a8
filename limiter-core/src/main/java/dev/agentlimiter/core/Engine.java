package dev.agentlimiter.core;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The {@link AgentLimiter} behind {@link AgentLimiters}. Thread-safe. */
final class Engine implements AgentLimiter, LimiterAdmin {

  private static final System.Logger LOG = System.getLogger(Engine.class.getName());

  private final EngineClock clock;
  private final StateStore store;
  private final LimiterListener listener;
  private final ConcurrentHashMap<Policy, BoundPolicy> bound = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Policy> byName = new ConcurrentHashMap<>();

  Engine(EngineClock clock, StateStore store, LimiterListener listener, List<Policy> policies) {
    this.clock = clock;
    this.store = store;
    this.listener = listener;
    for (Policy policy : policies) {
      bind(policy);
    }
  }

  private BoundPolicy bind(Policy policy) {
    BoundPolicy b = bound.get(policy);
    return b != null ? b : bindSlow(policy);
  }

  private BoundPolicy bindSlow(Policy policy) {
    Policy previous = byName.putIfAbsent(policy.name(), policy);
    if (previous != null && !previous.equals(policy)) {
      throw new IllegalArgumentException(
          "policy '" + policy.name() + "' is already in use with other limits: " + previous);
    }
    return bound.computeIfAbsent(policy, p -> new BoundPolicy(p, store.bind(p)));
  }

  @Override
  public Decision decide(AgentRequest request) {
    Decision decision = decideWithoutEvent(request);
    try {
      listener.onDecision(request, decision);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "limiter listener failed; decision unchanged", e);
    }
    return decision;
  }

  private Decision decideWithoutEvent(AgentRequest request) {
    List<Policy> policies = request.policies();
    int count = policies.size();
    if (count == 0) {
      return Decision.allowed();
    }
    for (int i = 0; i < count; i++) {
      Policy policy = policies.get(i);
      if (request.costFor(policy) > policy.minCapacity()) {
        return Decision.denied(Reason.INVALID_REQUEST, List.of(), null, Duration.ZERO);
      }
    }
    return count == 1 ? decideOne(request, bind(policies.get(0))) : decideMany(request, count);
  }

  /** The common case, one policy: no arrays beyond the probe, no list copies. */
  private Decision decideOne(AgentRequest request, BoundPolicy b) {
    long[] probe = new long[b.limitCount * PolicyState.PROBE_STRIDE];
    long now = clock.now();
    if (b.state.tryConsume(request.agent().id(), request.costFor(b.policy), now, probe, 0)) {
      return Decision.allowed(b.statuses(probe, 0));
    }
    return refusal(b, probe, 0);
  }

  private Decision decideMany(AgentRequest request, int count) {
    List<Policy> policies = request.policies();
    String agentId = request.agent().id();
    BoundPolicy[] bounds = new BoundPolicy[count];
    int slots = 0;
    for (int i = 0; i < count; i++) {
      bounds[i] = bind(policies.get(i));
      slots += bounds[i].limitCount * PolicyState.PROBE_STRIDE;
    }
    long now = clock.now();
    long[] probe = new long[slots];
    int offset = 0;
    for (int i = 0; i < count; i++) {
      BoundPolicy b = bounds[i];
      if (!b.state.tryConsume(agentId, request.costFor(b.policy), now, probe, offset)) {
        for (int j = 0; j < i; j++) {
          bounds[j].state.refund(agentId, request.costFor(bounds[j].policy), now);
        }
        return refusal(b, probe, offset);
      }
      offset += b.limitCount * PolicyState.PROBE_STRIDE;
    }
    List<RateLimitStatus> statuses = new ArrayList<>(slots / PolicyState.PROBE_STRIDE);
    offset = 0;
    for (BoundPolicy b : bounds) {
      statuses.addAll(b.statuses(probe, offset));
      offset += b.limitCount * PolicyState.PROBE_STRIDE;
    }
    return Decision.allowed(statuses);
  }

  private static Decision refusal(BoundPolicy b, long[] probe, int offset) {
    List<RateLimitStatus> statuses = b.statuses(probe, offset);
    int slowest = b.slowest(probe, offset);
    return Decision.denied(
        Reason.RATE_LIMITED,
        statuses,
        statuses.get(slowest),
        Duration.ofNanos(b.waitNanos(probe, offset, slowest)));
  }

  @Override
  public boolean tryAcquire(AgentIdentity agent, Policy policy) {
    BoundPolicy b = bind(policy);
    return b.state.tryConsume(agent.id(), policy.cost(), clock.now());
  }

  @Override
  public LimiterAdmin admin() {
    return this;
  }

  @Override
  public long trackedAgents() {
    return store.trackedAgents();
  }

  @Override
  public List<RateLimitStatus> inspect(AgentIdentity agent, Policy policy) {
    BoundPolicy b = bind(policy);
    long[] probe = new long[b.limitCount * PolicyState.PROBE_STRIDE];
    b.state.inspect(agent.id(), policy.cost(), clock.now(), probe, 0);
    return List.copyOf(b.statuses(probe, 0));
  }

  @Override
  public void reset(AgentIdentity agent, Policy policy) {
    bind(policy).state.forget(agent.id());
  }
}
