package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AppliedConfiguration;
import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.StateInheritance;
import dev.agentlimiter.core.http.RouteTable;
import java.util.Map;
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
  /** The configuration running now; read once per request. */
  private volatile Snapshot current;
  /** The builder's configuration, under every applied one. */
  private final PolicySet base;
  /** The credential-failure limit when no configuration sets one. */
  private final dev.agentlimiter.api.Limit defaultCredentialFailures;

  /** The newest bound version of every policy name, configured or defined by a route. */
  private final ConcurrentHashMap<String, BoundPolicy> byName = new ConcurrentHashMap<>();
  /** Policies defined by routes and requests (the code layer), by value: the fast path of {@link #bind}. */
  private final ConcurrentHashMap<Policy, BoundPolicy> inline = new ConcurrentHashMap<>();
  /** The code layer's definition of each name it defines. */
  private final ConcurrentHashMap<String, Policy> codeDefinitions = new ConcurrentHashMap<>();
  /** Names that adapters' routes only name: every configuration must define them. */
  private final java.util.Set<String> requiredNames = ConcurrentHashMap.newKeySet();

  /** Every policy bound now (configured or in use by a route), for the operator's view of one agent. */
  public java.util.Collection<BoundPolicy> bound() {
    Map<String, BoundPolicy> all = new java.util.LinkedHashMap<>(byName);
    all.putAll(current.bound);
    return all.values();
  }

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

  /**
   * An engine running {@code base} as its generation 1.
   *
   * @param policies policies registered up front, as the code layer defines them
   * @param defaultCredentialFailures the credential-failure limit of a configuration that sets none
   * @throws IllegalArgumentException if {@code base} is not valid for an engine (see {@link #apply})
   */
  public Engine(
      EngineClock clock,
      StateStore store,
      LimiterListener listener,
      PolicySet base,
      List<Policy> policies,
      dev.agentlimiter.api.Limit defaultCredentialFailures,
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
    this.base = base;
    this.defaultCredentialFailures = defaultCredentialFailures;
    this.current = snapshot(1, "builder", PolicySet.empty(), base, null);
    for (Policy policy : policies) {
      bind(policy);
    }
  }

  /** The configuration running now. */
  public Snapshot current() {
    return current;
  }

  /**
   * The bound policy a request of {@code policy} is decided under in the current configuration: the
   * configuration's policy of its name if it defines one (a policy file overrides the code by name), else
   * {@code policy} itself, bound on first use.
   *
   * @throws IllegalArgumentException if the code layer already defines the name differently
   */
  public BoundPolicy bind(Policy policy) {
    return bind(current, policy);
  }

  /** {@link #bind(Policy)} under the snapshot {@code s} a request started with. */
  BoundPolicy bind(Snapshot s, Policy policy) {
    BoundPolicy b = s.bound.get(policy.name());
    if (b != null) {
      return b;
    }
    b = inline.get(policy);
    return b != null ? b : bindInline(policy);
  }

  /** Binds a policy of the code layer; a new version of its name if a configuration held it before. */
  private synchronized BoundPolicy bindInline(Policy policy) {
    BoundPolicy b = inline.get(policy);
    if (b != null) {
      return b;
    }
    String name = policy.name();
    BoundPolicy configured = current.bound.get(name);
    if (configured != null) {
      return configured; // configured meanwhile: the configuration wins by name
    }
    Policy defined = codeDefinitions.get(name);
    if (defined != null && !defined.equals(policy)) {
      throw new IllegalArgumentException(
          "policy '" + name + "' is already in use with another configuration: " + defined);
    }
    checkBudget(policy, budgetScopes);
    BoundPolicy latest = byName.get(name);
    b = latest != null && latest.policy.equals(policy)
        ? latest
        : version(policy, latest, current.effective.inheritanceOf(name));
    codeDefinitions.put(name, policy);
    byName.put(name, b);
    inline.put(policy, b);
    return b;
  }

  /**
   * Registers what adapters' routes need: the policies they define (the code layer) and the names they only
   * name, which every configuration must define from now on.
   *
   * @throws IllegalArgumentException if a route names a policy the running configuration does not define,
   *     or defines one the code layer already defines differently
   */
  public synchronized void register(Iterable<Route> routes) {
    Snapshot s = current;
    for (Route route : routes) {
      for (String name : route.policyNames()) {
        if (route.definition(name) == null && !s.bound.containsKey(name)
            && !codeDefinitions.containsKey(name)) {
          throw new IllegalArgumentException(
              "route " + route + ": policy '" + name + "' is not defined by the limiter's configuration"
                  + " (generation " + s.generation + ", which defines " + s.bound.keySet() + ")");
        }
      }
    }
    for (Route route : routes) {
      for (Policy p : route.policies()) {
        if (!s.bound.containsKey(p.name())) {
          bind(s, p);
        } else {
          Policy defined = codeDefinitions.putIfAbsent(p.name(), p);
          if (defined != null && !defined.equals(p)) {
            throw new IllegalArgumentException(
                "policy '" + p.name() + "' is already in use with another configuration: " + defined);
          }
        }
      }
      for (String name : route.policyNames()) {
        if (route.definition(name) == null) {
          requiredNames.add(name);
        }
      }
    }
  }

  /**
   * Replaces the configuration atomically with the builder's, {@code applied} over it by name, as the next
   * generation. Everything is checked before anything changes; a refused configuration changes nothing.
   * Tells the listener either way.
   *
   * @throws IllegalArgumentException naming why it was refused
   */
  public AppliedConfiguration apply(PolicySet applied, String origin) {
    java.util.Objects.requireNonNull(applied, "policies");
    java.util.Objects.requireNonNull(origin, "origin");
    AppliedConfiguration info;
    IllegalArgumentException refusal = null;
    long kept = 0;
    synchronized (this) {
      Snapshot old = current;
      if (old.generation > 1 && old.applied.equals(applied) && old.origin.equals(origin)) {
        return old.info(); // the same again, from the same place: nothing to replace
      }
      info = old.info();
      try {
        PolicySet effective = base.overriddenBy(applied);
        Snapshot next = snapshot(old.generation + 1, origin, applied, effective, old);
        current = next;
        inline.values().removeIf(b -> next.bound.containsKey(b.policy.name()));
        for (Map.Entry<String, BoundPolicy> e : old.bound.entrySet()) {
          String name = e.getKey();
          if (next.bound.containsKey(name) || codeDefinitions.containsKey(name)) {
            continue; // still configured, or the code's definition takes its state over by name
          }
          byName.remove(name, e.getValue());
          store.drop(e.getValue().state);
        }
        info = next.info();
      } catch (IllegalArgumentException e) {
        refusal = e;
        kept = old.generation;
      }
    }
    // Told outside the engine's monitor, so that a slow listener never holds up a binding, and one at a
    // time; never waiting for the monitor while holding the lock, so no deadlock. Concurrent applies may
    // be told out of order: each event carries its generation.
    configurationEvents.lock();
    try {
      if (refusal != null) {
        configuration(
            new ConfigurationEvent(
                clock.instant(clock.now()), false, kept, origin,
                Optional.of(String.valueOf(refusal.getMessage()))));
        throw refusal;
      }
      configuration(
          new ConfigurationEvent(info.appliedAt(), true, info.generation(), origin, Optional.empty()));
      return info;
    } finally {
      configurationEvents.unlock();
    }
  }

  /** Tells the listener a configuration from {@code origin} was refused before it reached the engine. */
  public void refused(String origin, String error) {
    configurationEvents.lock();
    try {
      configuration(
          new ConfigurationEvent(
              clock.instant(clock.now()), false, current.generation, origin, Optional.of(error)));
    } finally {
      configurationEvents.unlock();
    }
  }

  /** Held while a configuration event is told, so that listeners hear them in the order they happened. */
  private final java.util.concurrent.locks.ReentrantLock configurationEvents =
      new java.util.concurrent.locks.ReentrantLock();

  private void configuration(ConfigurationEvent event) {
    try {
      listener.onConfiguration(event);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, "limiter listener failed on a configuration event", e);
    }
  }

  /**
   * Checks {@code effective} for an engine, then binds it: every check first, so that a refusal leaves
   * every table as it was. Call holding the engine's monitor (or from the constructor).
   */
  private Snapshot snapshot(
      long generation, String origin, PolicySet applied, PolicySet effective, @Nullable Snapshot old) {
    // the policies the configuration's routes define themselves are the configuration's too
    Map<String, Policy> configured = new java.util.LinkedHashMap<>(effective.policies());
    for (PolicySet.RouteRule r : effective.routes()) {
      for (Policy p : r.route().policies()) {
        configured.putIfAbsent(p.name(), p);
      }
    }
    for (String name : requiredNames) {
      if (!configured.containsKey(name) && !codeDefinitions.containsKey(name)) {
        throw new IllegalArgumentException(
            "policy '" + name + "' is named by a route of an adapter but not defined by the configuration");
      }
    }
    Map<String, Map<String, String>> tierNames = effective.tierOverrides();
    for (Map.Entry<String, Map<String, String>> t : tierNames.entrySet()) {
      for (String replaced : t.getValue().keySet()) {
        if (!configured.containsKey(replaced) && !codeDefinitions.containsKey(replaced)) {
          throw new IllegalArgumentException(
              "tierOverride '" + t.getKey() + "': policy '" + replaced + "' is not a policy of the"
                  + " configuration, of one of its routes or of the code");
        }
      }
    }
    RouteTable.Builder table = RouteTable.builder();
    for (PolicySet.RouteRule r : effective.routes()) {
      table.add(r.method().orElse(null), r.pattern(), r.route());
    }
    RouteTable routes = table.build();
    Map<String, Budget> budgetsOf = new java.util.HashMap<>();
    for (Policy p : configured.values()) {
      Budget budget = p.budget().orElse(null);
      if (budget != null) {
        Budget seen = budgetsOf.putIfAbsent(budget.name(), budget);
        if (seen != null && !seen.equals(budget)) {
          throw new IllegalArgumentException(
              "policy '" + p.name() + "': budget '" + budget.name()
                  + "' is already in use with another configuration: " + seen);
        }
      }
    }
    // every check passed: bind
    Map<String, BoundPolicy> bound = new java.util.HashMap<>();
    for (Policy p : configured.values()) {
      BoundPolicy latest = byName.get(p.name());
      bound.put(
          p.name(),
          latest != null && latest.policy.equals(p)
              ? latest
              : version(p, latest, effective.inheritanceOf(p.name())));
    }
    Policy failures =
        Policy.named(dev.agentlimiter.core.AgentLimiters.CREDENTIAL_FAILURES_POLICY)
            .limit(effective.credentialFailureLimit().orElse(defaultCredentialFailures))
            .build();
    BoundPolicy credentials =
        old != null && old.credentialFailures.policy.equals(failures)
            ? old.credentialFailures
            : version(failures, old == null ? null : old.credentialFailures, StateInheritance.AS_IS);
    Map<String, Map<String, BoundPolicy>> tiers = new java.util.HashMap<>();
    for (Map.Entry<String, Map<String, String>> t : tierNames.entrySet()) {
      Map<String, BoundPolicy> byReplaced = new java.util.HashMap<>();
      t.getValue().forEach(
          (replaced, replacement) ->
              byReplaced.put(replaced, java.util.Objects.requireNonNull(bound.get(replacement))));
      tiers.put(t.getKey(), Map.copyOf(byReplaced));
    }
    byName.putAll(bound);
    return new Snapshot(
        generation, origin, clock.instant(clock.now()), applied, effective, Map.copyOf(bound),
        Map.copyOf(tiers), credentials, routes);
  }

  /** Throws if {@code policy}'s budget is in use under another configuration in {@code scopes}. */
  private static void checkBudget(Policy policy, Map<String, BudgetScope> scopes) {
    Budget budget = policy.budget().orElse(null);
    if (budget != null) {
      BudgetScope shared = scopes.get(budget.name());
      if (shared != null && !shared.budget().equals(budget)) {
        throw new IllegalArgumentException(
            "policy '" + policy.name() + "': budget '" + budget.name()
                + "' is already in use with another configuration: " + shared.budget());
      }
    }
  }

  /**
   * A bound version of {@code policy}, taking over {@code previous}'s state (the previous version of its
   * name) where its configuration did not change: the buckets by {@code rule} (the same buckets if the
   * limits are equal), the loop, burst, reputation and in-flight state under the same scope if none of
   * those four changed, the budget's balances if the budget did not change. Nothing else is touched.
   */
  private BoundPolicy version(Policy policy, @Nullable BoundPolicy previous, StateInheritance rule) {
    int budgetScope = -1;
    Budget budget = policy.budget().orElse(null);
    if (budget != null) {
      BudgetScope shared = budgetScopes.get(budget.name());
      if (shared == null || !shared.budget().equals(budget)) {
        shared = new BudgetScope(budget, scopes.getAndIncrement());
        budgetScopes.put(budget.name(), shared);
      }
      budgetScope = shared.id();
    }
    int lane = laneId(policy.lane());
    PolicyState state;
    int id;
    if (previous == null) {
      state = store.bind(policy);
      id = scopes.getAndIncrement();
    } else {
      Policy before = previous.policy;
      state = before.limits().equals(policy.limits())
          ? previous.state
          : store.rebind(previous.state, policy, rule);
      boolean sameWatch =
          before.loopDetection().equals(policy.loopDetection())
              && before.burstDetection().equals(policy.burstDetection())
              && before.reputation().equals(policy.reputation())
              && before.concurrency().equals(policy.concurrency());
      id = sameWatch ? previous.id : scopes.getAndIncrement();
    }
    policyNames.put(id, policy.name());
    return new BoundPolicy(policy, state, id, lane, budgetScope);
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
  DecisionEvent event(
      AgentRequest request, BoundPolicy[] bounds, Decision decision, long now, long spentNanos) {
    List<Policy> policies = policiesOf(bounds);
    return DecisionEvent.builder()
        .time(wallTime(now))
        .agent(request.agent())
        .policies(names(policies))
        .lanes(lanes(policies))
        .decision(decision)
        .limiterTimeNanos(Math.max(0, spentNanos))
        .build();
  }

  /** The policies the bound policies decide under. */
  static List<Policy> policiesOf(BoundPolicy[] bounds) {
    if (bounds.length == 1) {
      return List.of(bounds[0].policy);
    }
    Policy[] out = new Policy[bounds.length];
    for (int i = 0; i < bounds.length; i++) {
      out[i] = bounds[i].policy;
    }
    return List.of(out);
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
    BoundPolicy[] bounds = bindAll(current, request.policies());
    Decision decision =
        defended(bounds) ? Pipeline.decide(this, request, bounds) : decideWithoutEvent(request, bounds);
    if (listening && (listeningAdmissions || !decision.isAllowed())) {
      tell(
          event(request, bounds, decision, clock.now(), System.nanoTime() - started),
          request.agent().key());
    } else if (!decision.isAllowed()) {
      refusedQuietly(request.agent(), decision);
    }
    return decision;
  }

  /** Enters a request; its event is told when the admission ends. */
  Admission enter(AgentRequest request) {
    BoundPolicy[] bounds = bindAll(current, request.policies());
    if (!listening) {
      Admission admission = enterQuietly(request, null, bounds);
      if (!admission.decision().isAllowed()) {
        refusedQuietly(request.agent(), admission.decision());
      }
      return admission;
    }
    long started = System.nanoTime();
    Admission admission = enterQuietly(request, null, bounds);
    if (!listeningAdmissions && admission.decision().isAllowed()) {
      return admission; // nobody takes admissions: no event, nothing to wrap
    }
    return new Told(this, request, bounds, admission, clock.now(), System.nanoTime() - started);
  }

  /**
   * Enters a request of the bound policies {@code bounds} (its policies, as one snapshot binds them)
   * without telling the listener its decision: the caller tells it when it ends. The detector events it
   * causes, while decided and when it ends, carry the id of the HTTP request {@code ids} names, if any.
   */
  Admission enterQuietly(AgentRequest request, @Nullable RequestIdSource ids, BoundPolicy[] bounds) {
    if (!defended(bounds)) {
      return new EngineAdmission.Ended(decideWithoutEvent(request, bounds));
    }
    return Pipeline.enter(this, request, ids, bounds);
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
    private final BoundPolicy[] bounds;
    private final Admission inner;
    private final long now;
    private final long spentNanos;

    @SuppressWarnings("UnusedVariable") // written through TOLD
    private volatile int told;

    Told(
        Engine engine, AgentRequest request, BoundPolicy[] bounds, Admission inner, long now,
        long spentNanos) {
      this.engine = engine;
      this.request = request;
      this.bounds = bounds;
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
        engine.tell(
            engine.event(request, bounds, inner.decision(), now, spentNanos), request.agent().key());
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

  private static boolean defended(BoundPolicy[] bounds) {
    for (BoundPolicy b : bounds) {
      if (b.defended) {
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

  /** The policies of a request as the snapshot {@code s} binds them, in order. */
  BoundPolicy[] bindAll(Snapshot s, List<Policy> policies) {
    if (policies.size() == 1) {
      return bind(s, policies.get(0)).alone;
    }
    BoundPolicy[] bounds = new BoundPolicy[policies.size()];
    for (int i = 0; i < bounds.length; i++) {
      bounds[i] = bind(s, policies.get(i));
    }
    return bounds;
  }

  /**
   * Decides a request of policies without defences, telling no listener. The policies have no penalty box
   * of their own, but their lanes may hold the agent in another policy's box: then it is refused too.
   */
  Decision decideWithoutEvent(AgentRequest request, BoundPolicy[] bounds) {
    int count = bounds.length;
    if (count == 0) {
      return Decision.allowed();
    }
    for (BoundPolicy b : bounds) {
      if (request.costFor(b.policy) > b.policy.minCapacity()) {
        return Decision.denied(Reason.INVALID_REQUEST, List.of(), null, Duration.ZERO);
      }
    }
    if (!box.isEmpty()) {
      Decision boxed = boxed(StateKeys.of(request.agent()), bounds, clock.now());
      if (boxed != null) {
        return boxed;
      }
    }
    return count == 1 ? decideOne(request, bounds[0]) : decideMany(request, bounds);
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

  private Decision decideMany(AgentRequest request, BoundPolicy[] bounds) {
    String agentId = StateKeys.of(request.agent());
    int slots = 0;
    for (BoundPolicy b : bounds) {
      slots += b.limitCount * PolicyState.PROBE_STRIDE;
    }
    long now = clock.now();
    long[] probe = new long[slots];
    int offset = 0;
    for (int i = 0; i < bounds.length; i++) {
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
    BoundPolicy b = bind(policy);
    if (b.defended) {
      return decide(AgentRequest.of(agent, policy)).isAllowed();
    }
    if (!box.isEmpty() && boxed(StateKeys.of(agent), new BoundPolicy[] {b}, clock.now()) != null) {
      return false; // the lane's box holds the agent; told to no listener, like every tryAcquire
    }
    return b.state.tryConsume(StateKeys.of(agent), b.policy.cost(), clock.now());
  }
}
