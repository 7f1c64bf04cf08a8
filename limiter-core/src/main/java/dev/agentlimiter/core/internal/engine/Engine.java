package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
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
import dev.agentlimiter.core.internal.defence.AgentWatch;
import dev.agentlimiter.core.internal.defence.BudgetLedger;
import dev.agentlimiter.core.internal.defence.InFlightTable;
import dev.agentlimiter.core.internal.defence.PenaltyBox;
import dev.agentlimiter.core.internal.defence.TopOffenders;
import dev.agentlimiter.core.internal.defence.WatchTable;
import dev.agentlimiter.core.internal.state.EngineClock;
import dev.agentlimiter.core.internal.state.StateKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The decision core below the {@link Limiter} facade: binds policies, runs the policy steps ({@link
 * Pipeline}) and tells the listener. Knows nothing of HTTP, of the facade or of operators ({@link
 * EngineAdmin}). Thread-safe.
 */
public final class Engine {

  private static final System.Logger LOG = System.getLogger(Engine.class.getName());

  final EngineClock clock;
  final StateStore store;
  private final LimiterListener listener;
  /** Whether a listener takes decision events: no event is built for nobody. */
  final boolean listening;
  /** Whether one also takes admissions' events ({@link LimiterListener#takesAdmissions}). */
  final boolean listeningAdmissions;
  /** Whether a listener takes detector events: no request id is computed for nobody. */
  private final boolean listeningEvents;
  /** Wall-clock nanoseconds since the epoch at engine nanos 0, for the events' time. */
  private final ConcurrentHashMap<Policy, BoundPolicy> bound = new ConcurrentHashMap<>();

  /** Every policy bound so far, for the operator's view of one agent. */
  public java.util.Collection<BoundPolicy> bound() {
    return bound.values();
  }
  private final ConcurrentHashMap<String, Policy> byName = new ConcurrentHashMap<>();
  private final AtomicInteger scopes = new AtomicInteger();
  final ConcurrentHashMap<String, Integer> laneIds = new ConcurrentHashMap<>();
  private final List<String> laneNames = new CopyOnWriteArrayList<>();
  /** Policy names by {@link BoundPolicy#id}, for the penalty box's records. */
  private final ConcurrentHashMap<Integer, String> policyNames = new ConcurrentHashMap<>();
  /** Budgets by name, each with the scope its balances are kept under (shared by linked policies). */
  final ConcurrentHashMap<String, BudgetScope> budgetScopes = new ConcurrentHashMap<>();
  /** Requests admitted and not yet ended, for {@link EngineAdmin#requestsInFlight()}. */
  final java.util.concurrent.atomic.LongAdder openRequests = new java.util.concurrent.atomic.LongAdder();

  record BudgetScope(Budget budget, int id) {}

  public final PenaltyBox box;
  public final WatchTable watches;
  public final InFlightTable inFlight;
  public final BudgetLedger budgets;
  final Consumer<LimiterEvent> emitter = this::emit;
  /** The heavy hitters: every event when listening, every refusal otherwise. */
  final TopOffenders offenders;

  public Engine(
      EngineClock clock,
      StateStore store,
      LimiterListener listener,
      List<Policy> policies,
      long maximumAgents,
      Duration idleExpiry,
      TopOffenders offenders) {
    this.offenders = offenders;
    this.clock = clock;
    this.store = store;
    this.listener = listener;
    this.listening = takesDecisions(listener);
    this.listeningAdmissions = listening && listener.takesAdmissions();
    this.listeningEvents = takes(listener, "onEvent", LimiterEvent.class);
    this.box =
        new PenaltyBox(
            clock,
            maximumAgents,
            idleExpiry,
            laneNames::get,
            id -> policyNames.getOrDefault(id, "unknown"));
    this.watches = new WatchTable(clock, maximumAgents, idleExpiry);
    this.inFlight = new InFlightTable(maximumAgents);
    this.budgets = new BudgetLedger(clock, maximumAgents, idleExpiry);
    for (Policy policy : policies) {
      bind(policy);
    }
  }

  public BoundPolicy bind(Policy policy) {
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
   * Whether {@code listener} takes decision events: not the no-op, and not a listener that only overrides
   * {@code onEvent} (a detector-only listener), for which no event is built at all.
   */
  static boolean takesDecisions(LimiterListener listener) {
    return takes(listener, "onDecision", DecisionEvent.class);
  }

  /** Whether {@code listener} is not the no-op and overrides the method {@code name} taking {@code type}. */
  private static boolean takes(LimiterListener listener, String name, Class<?> type) {
    if (listener == LimiterListener.noop()) {
      return false;
    }
    try {
      return listener.getClass().getMethod(name, type).getDeclaringClass() != LimiterListener.class;
    } catch (NoSuchMethodException | SecurityException e) {
      return true;
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

  /**
   * The id for an event caused by the request {@code ids} names: computed (once per request, by the
   * source) only if a listener takes events; empty outside HTTP ({@code ids} is {@code null}).
   */
  Optional<String> requestId(@Nullable RequestIdSource ids) {
    return ids == null || !listeningEvents ? Optional.empty() : Optional.of(ids.requestId());
  }

  /**
   * Counts a request in the top offenders under its agent's state {@code key} and tells the listener its
   * event; as {@link #emit}, only a {@link VirtualMachineError} escapes.
   */
  void tell(DecisionEvent event, String key) {
    offenders.record(
        key, event.agentId(), event.identitySource().orElse(IdentitySource.IP), event.reason(),
        event.refused(), clock.now(), event.time());
    try {
      listener.onDecision(event);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, "limiter listener failed; decision unchanged", e);
    }
  }

  /**
   * Counts a refusal of {@code agent} in the top offenders when no listener is installed (with one, its
   * event is counted when told).
   */
  void refusedQuietly(AgentIdentity agent, Decision decision) {
    long now = clock.now();
    offenders.record(
        agent.key(), agent.id(), agent.source(), decision.reason(), true, now,
        wallTime(now));
  }

  /** The wall-clock time of engine reading {@code now}. */
  Instant wallTime(long now) {
    return clock.instant(now);
  }

  /** The event of a request outside HTTP: its agent, policies and lanes, decided at {@code now}. */
  DecisionEvent event(AgentRequest request, Decision decision, long now, long spentNanos) {
    return DecisionEvent.builder()
        .time(wallTime(now))
        .agent(request.agent())
        .policies(names(request.policies()))
        .lanes(lanes(request.policies()))
        .decision(decision)
        .limiterTimeNanos(Math.max(0, spentNanos))
        .build();
  }

  static List<String> names(List<Policy> policies) {
    if (policies.size() == 1) {
      return List.of(policies.get(0).name());
    }
    List<String> out = new ArrayList<>(policies.size());
    for (Policy p : policies) {
      out.add(p.name());
    }
    return out;
  }

  static List<String> lanes(List<Policy> policies) {
    if (policies.size() == 1) {
      return List.of(policies.get(0).lane());
    }
    List<String> out = new ArrayList<>(policies.size());
    for (Policy p : policies) {
      if (!out.contains(p.lane())) {
        out.add(p.lane());
      }
    }
    return out;
  }

  /** Decides a request and tells the listener its event before returning. */
  Decision decide(AgentRequest request) {
    long started = listening ? System.nanoTime() : 0;
    Decision decision =
        defended(request.policies()) ? Pipeline.decide(this, request) : decideWithoutEvent(request);
    if (listening && (listeningAdmissions || !decision.isAllowed())) {
      tell(event(request, decision, clock.now(), System.nanoTime() - started), request.agent().key());
    } else if (!decision.isAllowed()) {
      refusedQuietly(request.agent(), decision);
    }
    return decision;
  }

  /** Enters a request; its event is told when the admission ends. */
  Admission enter(AgentRequest request) {
    if (!listening) {
      Admission admission = enterQuietly(request);
      if (!admission.decision().isAllowed()) {
        refusedQuietly(request.agent(), admission.decision());
      }
      return admission;
    }
    long started = System.nanoTime();
    Admission admission = enterQuietly(request);
    if (!listeningAdmissions && admission.decision().isAllowed()) {
      return admission; // nobody takes admissions: no event, nothing to wrap
    }
    return new Told(this, request, admission, clock.now(), System.nanoTime() - started);
  }

  /** Enters a request without telling the listener its decision: the caller tells it when it ends. */
  Admission enterQuietly(AgentRequest request) {
    return enterQuietly(request, null);
  }

  /**
   * {@link #enterQuietly(AgentRequest)} for the HTTP request {@code ids} names: the detector events it
   * causes, while decided and when it ends, carry its id.
   */
  Admission enterQuietly(AgentRequest request, @Nullable RequestIdSource ids) {
    if (!defended(request.policies())) {
      return new EngineAdmission.Ended(decideWithoutEvent(request));
    }
    return Pipeline.enter(this, request, ids);
  }

  /**
   * An admission of {@link #enter(AgentRequest)} that tells the listener its decision event once, when it
   * ends, after what it held was released.
   */
  private static final class Told implements Admission {
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Told> TOLD =
        java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Told.class, "told");

    private final Engine engine;
    private final AgentRequest request;
    private final Admission inner;
    private final long now;
    private final long spentNanos;

    @SuppressWarnings("UnusedVariable") // written through TOLD
    private volatile int told;

    Told(Engine engine, AgentRequest request, Admission inner, long now, long spentNanos) {
      this.engine = engine;
      this.request = request;
      this.inner = inner;
      this.now = now;
      this.spentNanos = spentNanos;
    }

    @Override
    public Decision decision() {
      return inner.decision();
    }

    @Override
    public void complete(Outcome outcome) {
      inner.complete(outcome);
      if (TOLD.compareAndSet(this, 0, 1)) {
        engine.tell(engine.event(request, inner.decision(), now, spentNanos), request.agent().key());
      }
    }

    @Override
    public void close() {
      complete(Outcome.unknown());
    }

    @Override
    public String toString() {
      return inner.toString();
    }
  }

  private static boolean defended(List<Policy> policies) {
    for (int i = 0; i < policies.size(); i++) {
      if (policies.get(i).hasDefences()) {
        return true;
      }
    }
    return false;
  }

  void report(AgentIdentity agent, Policy policy, Outcome outcome) {
    BoundPolicy b = bind(policy);
    if (b.reputation != null && outcome.kind() != Outcome.Kind.UNKNOWN) {
      long now = clock.now();
      reputation(b, watches.get(b, StateKeys.of(agent), now), agent.id(), now, outcome.kind(), null);
    }
  }

  /**
   * The agent's reputation factor under {@code b} now, after counting {@code outcome} (none if
   * {@link Outcome.Kind#UNKNOWN}) and closing elapsed windows; emits the change if there was one, with the
   * id of the request {@code ids} names.
   */
  int reputation(
      BoundPolicy b, AgentWatch w, String agentId, long now, Outcome.Kind outcome,
      @Nullable RequestIdSource ids) {
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
      emit(new LimiterEvent.ReputationChanged(agentId, b.policy.name(), before, after, requestId(ids)));
    }
    return after;
  }

  /**
   * Emits {@link LimiterEvent.BudgetExhausted} if a reservation or settlement reported crossing it, with the
   * id of the request {@code ids} names.
   */
  void budgetCrossed(String agentId, Budget budget, long[] out, @Nullable RequestIdSource ids) {
    if (out[BudgetLedger.CROSSED] == 1) {
      emit(
          new LimiterEvent.BudgetExhausted(
              agentId,
              budget.name(),
              out[BudgetLedger.BALANCE],
              Duration.ofNanos(out[BudgetLedger.PERIOD_LEFT]),
              requestId(ids)));
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

  boolean tryAcquire(AgentIdentity agent, Policy policy) {
    if (policy.hasDefences()) {
      return decide(AgentRequest.of(agent, policy)).isAllowed();
    }
    BoundPolicy b = bind(policy);
    if (!box.isEmpty() && boxed(StateKeys.of(agent), new BoundPolicy[] {b}, clock.now()) != null) {
      return false; // the lane's box holds the agent; told to no listener, like every tryAcquire
    }
    return b.state.tryConsume(StateKeys.of(agent), policy.cost(), clock.now());
  }
}
