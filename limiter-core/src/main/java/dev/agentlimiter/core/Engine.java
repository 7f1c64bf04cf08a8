package dev.agentlimiter.core;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.api.QuarantineStatus;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.api.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** The {@link AgentLimiter} behind {@link AgentLimiters}. Thread-safe. */
final class Engine implements AgentLimiter, LimiterAdmin {

  private static final System.Logger LOG = System.getLogger(Engine.class.getName());

  final EngineClock clock;
  private final StateStore store;
  private final LimiterListener listener;
  private final ConcurrentHashMap<Policy, BoundPolicy> bound = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Policy> byName = new ConcurrentHashMap<>();
  private final AtomicInteger scopes = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> laneIds = new ConcurrentHashMap<>();
  private final List<String> laneNames = new CopyOnWriteArrayList<>();
  /** Policy names by {@link BoundPolicy#id}, for the penalty box's records. */
  private final ConcurrentHashMap<Integer, String> policyNames = new ConcurrentHashMap<>();
  /** Budgets by name, each with the scope its balances are kept under (shared by linked policies). */
  private final ConcurrentHashMap<String, BudgetScope> budgetScopes = new ConcurrentHashMap<>();

  private record BudgetScope(Budget budget, int id) {}

  final PenaltyBox box;
  final WatchTable watches;
  final InFlightTable inFlight;
  final BudgetLedger budgets;
  final Consumer<LimiterEvent> emitter = this::emit;
  private final HttpGate gate;

  Engine(
      EngineClock clock,
      StateStore store,
      LimiterListener listener,
      List<Policy> policies,
      long maximumAgents,
      Duration idleExpiry,
      long epochAnchorNanos,
      HttpGate.Config http) {
    this.clock = clock;
    this.store = store;
    this.listener = listener;
    this.box =
        new PenaltyBox(
            clock,
            maximumAgents,
            idleExpiry,
            laneNames::get,
            id -> policyNames.getOrDefault(id, "unknown"));
    this.watches = new WatchTable(clock, maximumAgents, idleExpiry);
    this.inFlight = new InFlightTable(maximumAgents);
    this.budgets = new BudgetLedger(clock, epochAnchorNanos, maximumAgents, idleExpiry);
    for (Policy policy : policies) {
      bind(policy);
    }
    this.gate = new HttpGate(this, http, maximumAgents);
  }

  BoundPolicy bind(Policy policy) {
    BoundPolicy b = bound.get(policy);
    return b != null ? b : bindSlow(policy);
  }

  private BoundPolicy bindSlow(Policy policy) {
    Policy previous = byName.putIfAbsent(policy.name(), policy);
    if (previous != null && !previous.equals(policy)) {
      throw new IllegalArgumentException(
          "policy '" + policy.name() + "' is already in use with another configuration: " + previous);
    }
    int budgetScope = -1;
    Budget budget = policy.budget().orElse(null);
    if (budget != null) {
      BudgetScope shared =
          budgetScopes.computeIfAbsent(
              budget.name(), n -> new BudgetScope(budget, scopes.getAndIncrement()));
      if (!shared.budget().equals(budget)) {
        throw new IllegalArgumentException(
            "policy '" + policy.name() + "': budget '" + budget.name()
                + "' is already in use with another configuration: " + shared.budget());
      }
      budgetScope = shared.id();
    }
    int lane = laneId(policy.lane());
    int scope = budgetScope;
    return bound.computeIfAbsent(
        policy,
        p -> {
          int id = scopes.getAndIncrement();
          policyNames.put(id, p.name());
          return new BoundPolicy(p, store.bind(p), id, lane, scope);
        });
  }

  private int laneId(String lane) {
    Integer id = laneIds.get(lane);
    if (id != null) {
      return id;
    }
    synchronized (laneNames) {
      return laneIds.computeIfAbsent(
          lane,
          l -> {
            laneNames.add(l);
            return laneNames.size() - 1;
          });
    }
  }

  /**
   * Tells the listener of an event. Nothing it throws reaches the caller, except a {@link
   * VirtualMachineError}, which is rethrown: callers that hold state when they emit release it first
   * (see {@link Pipeline} and {@link #enter(AgentRequest)}).
   */
  void emit(LimiterEvent event) {
    try {
      listener.onEvent(event);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) { // an Error from a listener (an assertion, say) must not change a decision
      LOG.log(System.Logger.Level.WARNING, "limiter listener failed on an event", e);
    }
  }

  /** Tells the listener of a decision; as {@link #emit}, only a {@link VirtualMachineError} escapes. */
  private void announce(AgentRequest request, Decision decision) {
    try {
      listener.onDecision(request, decision);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, "limiter listener failed; decision unchanged", e);
    }
  }

  /**
   * Announces the decision of an admission; if the listener throws a {@link VirtualMachineError}, the
   * admission is ended first (its permits and reservations released), so nothing is held by a request the
   * caller never received.
   */
  private Admission announced(AgentRequest request, Admission admission) {
    try {
      announce(request, admission.decision());
    } catch (VirtualMachineError e) {
      admission.close();
      throw e;
    }
    return admission;
  }

  @Override
  public Decision decide(AgentRequest request) {
    if (defended(request.policies())) {
      Decision decision = Pipeline.decide(this, request);
      announce(request, decision);
      return decision;
    }
    Decision decision = decideWithoutEvent(request);
    announce(request, decision);
    return decision;
  }

  @Override
  public Admission enter(RequestView request, Route route) {
    return gate.enter(Objects.requireNonNull(request, "request"), Objects.requireNonNull(route, "route"));
  }

  @Override
  public Admission enter(AgentRequest request) {
    if (!defended(request.policies())) {
      Decision decision = decideWithoutEvent(request);
      announce(request, decision);
      return new EngineAdmission.Ended(decision);
    }
    return announced(request, Pipeline.enter(this, request));
  }

  private static boolean defended(List<Policy> policies) {
    for (int i = 0; i < policies.size(); i++) {
      if (policies.get(i).hasDefences()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void report(AgentIdentity agent, Policy policy, Outcome outcome) {
    BoundPolicy b = bind(policy);
    if (b.reputation != null && outcome.kind() != Outcome.Kind.UNKNOWN) {
      long now = clock.now();
      reputation(b, watches.get(b, StateKeys.of(agent), now), agent.id(), now, outcome.kind());
    }
  }

  /**
   * The agent's reputation factor under {@code b} now, after counting {@code outcome} (none if
   * {@link Outcome.Kind#UNKNOWN}) and closing elapsed windows; emits the change if there was one.
   */
  int reputation(BoundPolicy b, AgentWatch w, String agentId, long now, Outcome.Kind outcome) {
    int before;
    int after;
    synchronized (w) {
      if (outcome != Outcome.Kind.UNKNOWN) {
        w.outcome(b, outcome == Outcome.Kind.FAILURE, now);
      }
      after = w.reputation(b, now);
      before = w.takeReputationChange();
    }
    if (before >= 0) {
      emit(new LimiterEvent.ReputationChanged(agentId, b.policy.name(), before, after));
    }
    return after;
  }

  /** Emits {@link LimiterEvent.BudgetExhausted} if a reservation or settlement reported crossing it. */
  void budgetCrossed(String agentId, Budget budget, long[] out) {
    if (out[BudgetLedger.CROSSED] == 1) {
      emit(
          new LimiterEvent.BudgetExhausted(
              agentId,
              budget.name(),
              out[BudgetLedger.BALANCE],
              Duration.ofNanos(out[BudgetLedger.PERIOD_LEFT])));
    }
  }

  BoundPolicy[] bindAll(List<Policy> policies) {
    BoundPolicy[] bounds = new BoundPolicy[policies.size()];
    for (int i = 0; i < bounds.length; i++) {
      bounds[i] = bind(policies.get(i));
    }
    return bounds;
  }

  /**
   * Decides a request of policies without defences, telling no listener. The policies have no penalty box
   * of their own, but their lanes may hold the agent in another policy's box: then it is refused too.
   */
  Decision decideWithoutEvent(AgentRequest request) {
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
    if (!box.isEmpty()) {
      Decision boxed = boxed(StateKeys.of(request.agent()), bindAll(policies), clock.now());
      if (boxed != null) {
        return boxed;
      }
    }
    return count == 1 ? decideOne(request, bind(policies.get(0))) : decideMany(request, count);
  }

  /** The common case, one policy: no arrays beyond the probe, no list copies. */
  private Decision decideOne(AgentRequest request, BoundPolicy b) {
    long[] probe = new long[b.limitCount * PolicyState.PROBE_STRIDE];
    long now = clock.now();
    if (b.state.tryConsume(StateKeys.of(request.agent()), request.costFor(b.policy), now, probe, 0)) {
      return Decision.allowed(b.statuses(probe, 0));
    }
    return refusal(b, probe, 0);
  }

  private Decision decideMany(AgentRequest request, int count) {
    List<Policy> policies = request.policies();
    String agentId = StateKeys.of(request.agent());
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

  /**
   * The refusal of the agent with state key {@code key} if the penalty box of one of the policies' lanes
   * holds it, or {@code null}: the box's own record, naming the lane, the policy that put the agent there,
   * why, and until when. Creates no entry. The one box check of every path (pipeline, plain policies,
   * {@code tryAcquire}).
   */
  @org.jspecify.annotations.Nullable Decision boxed(String key, BoundPolicy[] bounds, long now) {
    for (BoundPolicy b : bounds) {
      QuarantineStatus q = box.status(b.lane, key, now);
      if (q != null) {
        return Decision.quarantined(q.lane(), q.policy(), q.cause(), q.remaining());
      }
    }
    return null;
  }

  static Decision refusal(BoundPolicy b, long[] probe, int offset) {
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
    if (policy.hasDefences()) {
      return decide(AgentRequest.of(agent, policy)).isAllowed();
    }
    BoundPolicy b = bind(policy);
    if (!box.isEmpty() && boxed(StateKeys.of(agent), new BoundPolicy[] {b}, clock.now()) != null) {
      return false; // the lane's box holds the agent; told to no listener, like every tryAcquire
    }
    return b.state.tryConsume(StateKeys.of(agent), policy.cost(), clock.now());
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
    b.state.inspect(StateKeys.of(agent), policy.cost(), clock.now(), probe, 0);
    return List.copyOf(b.statuses(probe, 0));
  }

  @Override
  public void reset(AgentIdentity agent, Policy policy) {
    BoundPolicy b = bind(policy);
    String key = StateKeys.of(agent);
    b.state.forget(key);
    watches.forget(b, key);
  }

  @Override
  public List<QuarantineStatus> quarantined() {
    return List.copyOf(box.all());
  }

  @Override
  public Optional<QuarantineStatus> quarantine(AgentIdentity agent, String lane) {
    Integer id = laneIds.get(lane);
    return id == null
        ? Optional.empty()
        : Optional.ofNullable(box.status(id, StateKeys.of(agent), clock.now()));
  }

  @Override
  public boolean release(AgentIdentity agent, String lane) {
    Integer id = laneIds.get(lane);
    if (id == null || !box.release(id, StateKeys.of(agent), clock.now())) {
      return false;
    }
    emit(new LimiterEvent.QuarantineReleased(agent.id(), lane));
    return true;
  }

  @Override
  public int inFlight(AgentIdentity agent, Policy policy) {
    return inFlight.inFlight(bind(policy), StateKeys.of(agent));
  }

  @Override
  public int reputationPercent(AgentIdentity agent, Policy policy) {
    BoundPolicy b = bind(policy);
    Reputation rep = b.reputation;
    if (rep == null) {
      return 100;
    }
    AgentWatch w = watches.getIfPresent(b, StateKeys.of(agent));
    return w == null
        ? rep.ceilingPercent()
        : reputation(b, w, agent.id(), clock.now(), Outcome.Kind.UNKNOWN);
  }

  @Override
  public OptionalLong budgetBalance(AgentIdentity agent, String budget) {
    BudgetScope scope = budgetScopes.get(budget);
    return scope == null
        ? OptionalLong.empty()
        : OptionalLong.of(
            budgets.balance(scope.id(), StateKeys.of(agent), scope.budget(), clock.now()));
  }
}
