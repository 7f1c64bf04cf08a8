package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.core.internal.defence.AgentWatch;
import dev.agentlimiter.core.internal.defence.BudgetLedger;
import dev.agentlimiter.core.internal.defence.InFlightTable;
import dev.agentlimiter.core.internal.defence.LoopTable;
import dev.agentlimiter.core.internal.state.ScopedKey;
import dev.agentlimiter.core.internal.state.StateKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The full decision for requests whose policies carry defences, in the order the API documents: penalty
 * box, loops, concurrency, bursts, buckets (cost scaled by reputation), budgets. The first refusal wins and
 * undoes what earlier steps took (permits, tokens, reservations); refusals by a policy with a
 * {@link dev.agentlimiter.api.Quarantine} count as offences in its lane.
 */
final class Pipeline {

  private final Engine engine;
  private final AgentRequest request;
  /** The HTTP request being decided, for its events' id; {@code null} outside HTTP. */
  private final @Nullable RequestIdSource ids;
  /** The agent's id, as events report it. */
  private final String agentId;
  /** The agent's {@linkplain StateKeys state key}: its source and id. */
  private final String key;
  private final BoundPolicy[] bounds;
  private final long now;
  private final long[] costs;
  private InFlightTable.@Nullable Permit[] permits;
  private BudgetLedger.@Nullable Reservation[] reservations;
  private int tokensTaken; // policies whose buckets have been charged
  private int loopsPassed; // policies whose loop check let the request through (and counts it in flight)
  private final @Nullable AgentWatch[] watches;
  private final @Nullable ScopedKey[] keys;
  private List<RateLimitStatus> admittedStatuses = List.of();

  private Pipeline(
      Engine engine, AgentRequest request, @Nullable RequestIdSource ids, BoundPolicy[] bounds, long now) {
    this.engine = engine;
    this.request = request;
    this.ids = ids;
    this.agentId = request.agent().id();
    this.key = StateKeys.of(request.agent());
    this.bounds = bounds;
    this.now = now;
    this.costs = new long[bounds.length];
    this.permits = new InFlightTable.Permit[0];
    this.reservations = new BudgetLedger.Reservation[0];
    this.watches = new AgentWatch[bounds.length];
    this.keys = new ScopedKey[bounds.length];
  }

  /** The agent's detector state under policy {@code i}, looked up once per request. */
  private AgentWatch watch(int i) {
    AgentWatch w = watches[i];
    if (w == null) {
      w = engine.watches.get(bounds[i], scopedKey(i), now);
      watches[i] = w;
    }
    return w;
  }

  /** The (policy, agent) key of policy {@code i}, made once per request. */
  private ScopedKey scopedKey(int i) {
    ScopedKey k = keys[i];
    if (k == null) {
      k = new ScopedKey(bounds[i].id, key);
      keys[i] = k;
    }
    return k;
  }

  /** {@link #enter} then close: the decision, without an admission for early refusals. */
  static Decision decide(Engine engine, AgentRequest request, BoundPolicy[] bounds) {
    long now = engine.clock.now();
    Decision early = refuseEarly(engine, request, bounds, now);
    if (early != null) {
      return early;
    }
    try (Admission admission = enter(engine, request, null, bounds, now)) {
      return admission.decision();
    }
  }

  /** Enters a request; the events it causes carry the id of the HTTP request {@code ids} names, if any. */
  static Admission enter(
      Engine engine, AgentRequest request, @Nullable RequestIdSource ids, BoundPolicy[] bounds) {
    long now = engine.clock.now();
    Decision early = refuseEarly(engine, request, bounds, now);
    return early != null ? new EngineAdmission.Ended(early) : enter(engine, request, ids, bounds, now);
  }

  /**
   * The policy steps that refuse before anything is built or touched ({@link Step#COST}, {@link
   * Step#QUARANTINE}), in their order; stops at the first step that needs the pipeline.
   */
  private static @Nullable Decision refuseEarly(
      Engine engine, AgentRequest request, BoundPolicy[] bounds, long now) {
    for (Step step : Step.POLICY) {
      switch (step) {
        case COST -> {
          for (BoundPolicy b : bounds) {
            if (request.costFor(b.policy) > b.policy.minCapacity()) {
              return Decision.denied(Reason.INVALID_REQUEST, List.of(), null, Duration.ZERO);
            }
          }
        }
        case QUARANTINE -> {
          Decision boxed = engine.box.isEmpty() ? null : engine.boxed(StateKeys.of(request.agent()), bounds, now);
          if (boxed != null) {
            return boxed;
          }
        }
        default -> {
          return null; // the steps from here on take something: the pipeline runs them
        }
      }
    }
    return null;
  }

  private static Admission enter(
      Engine engine, AgentRequest request, @Nullable RequestIdSource ids, BoundPolicy[] bounds, long now) {
    Pipeline p = new Pipeline(engine, request, ids, bounds, now);
    Decision refusal;
    try {
      refusal = p.run();
    } catch (Throwable e) { // a VirtualMachineError from a listener, say: give back what was taken first
      p.undo(null);
      throw e;
    }
    if (refusal != null) {
      p.undo(refusal);
      return new EngineAdmission.Ended(refusal);
    }
    return p.admitted();
  }

  /** Runs the policy steps after {@link #refuseEarly}'s, in their order; a refusal, or {@code null}. */
  private @Nullable Decision run() {
    for (Step step : Step.POLICY) {
      Decision refusal =
          switch (step) {
            case COST, QUARANTINE -> null; // ran before the pipeline was built
            case LOOPS -> loops();
            case CONCURRENCY -> concurrency();
            case BURSTS -> bursts();
            case BUCKETS -> buckets();
            case BUDGETS -> budgets();
            default -> throw new AssertionError("not a policy step: " + step);
          };
      if (refusal != null) {
        return refusal;
      }
    }
    return null;
  }

  /** {@link Step#LOOPS}: each policy that detects loops, in the request's order. */
  private @Nullable Decision loops() {
    RequestFingerprint fp = request.fingerprint();
    if (fp != null) {
      for (int i = 0; i < bounds.length; i++) {
        if (bounds[i].loop != null) {
          Decision d = loop(i, fp);
          if (d != null) {
            return d;
          }
          loopsPassed = i + 1;
        }
      }
    }
    return null;
  }

  /** {@link Step#CONCURRENCY}: a permit of each capped policy, held until the request ends. */
  private @Nullable Decision concurrency() {
    for (int i = 0; i < bounds.length; i++) {
      BoundPolicy b = bounds[i];
      ConcurrencyLimit cap = b.concurrency;
      if (cap != null) {
        InFlightTable.Permit permit =
            engine.inFlight.acquire(
                b, scopedKey(i), cap.maxInFlight(), b.maxHoldNanos, now, engine.emitter);
        if (permit == null) {
          return offence(
              b, Decision.denied(Reason.CONCURRENCY_LIMITED, b.policy.name(), cap.retryAfter()));
        }
        if (permits.length == 0) {
          permits = new InFlightTable.Permit[bounds.length];
        }
        permits[i] = permit;
      }
    }
    return null;
  }

  /** {@link Step#BURSTS}: each policy that detects bursts; only a throttling one refuses. */
  private @Nullable Decision bursts() {
    for (int i = 0; i < bounds.length; i++) {
      if (bounds[i].burst != null) {
        Decision d = burst(i);
        if (d != null) {
          return d;
        }
      }
    }
    return null;
  }

  private @Nullable Decision loop(int i, RequestFingerprint fp) {
    BoundPolicy b = bounds[i];
    AgentWatch w = watch(i);
    long wait;
    boolean errorLoop;
    synchronized (w) {
      LoopTable loops = java.util.Objects.requireNonNull(w.loops);
      wait = loops.check(fp, now);
      errorLoop = loops.lastWasErrorLoop();
    }
    if (wait == 0) {
      return null;
    }
    Duration retry = Duration.ofNanos(wait);
    engine.emit(
        new LimiterEvent.LoopDetected(agentId, b.policy.name(), fp, errorLoop, retry, engine.requestId(ids)));
    return offence(b, Decision.denied(Reason.LOOP_DETECTED, b.policy.name(), retry));
  }

  private @Nullable Decision burst(int i) {
    BoundPolicy b = bounds[i];
    AgentWatch w = watch(i);
    long result;
    long count;
    long left;
    synchronized (w) {
      result = w.burst(b, now);
      count = w.burstCount();
      left = w.burstWindowLeft(b, now);
    }
    if (result == AgentWatch.NO_SPIKE) {
      return null;
    }
    boolean throttle = b.burst != null && b.burst.mode() == BurstDetection.Mode.THROTTLE;
    if (result < 0) {
      engine.emit(
          new LimiterEvent.BurstDetected(
              agentId, b.policy.name(), count, -result, throttle, engine.requestId(ids)));
    }
    if (!throttle) {
      return null;
    }
    return offence(
        b, Decision.denied(Reason.RATE_LIMITED, b.policy.name(), Duration.ofNanos(Math.max(1, left))));
  }

  /** {@link Step#BUCKETS}: each policy's buckets, its cost scaled by the agent's reputation. */
  private @Nullable Decision buckets() {
    int slots = 0;
    for (BoundPolicy b : bounds) {
      slots += b.limitCount * PolicyState.PROBE_STRIDE;
    }
    long[] probe = new long[slots];
    int offset = 0;
    for (int i = 0; i < bounds.length; i++) {
      BoundPolicy b = bounds[i];
      long cost = request.costFor(b.policy);
      if (b.reputation != null) {
        int percent = engine.reputation(b, watch(i), agentId, now, Outcome.Kind.UNKNOWN, ids);
        cost = Math.min(b.policy.minCapacity(), ceilDiv(cost * 100, percent));
      }
      costs[i] = cost;
      if (!b.state.tryConsume(key, cost, now, probe, offset)) {
        return offence(b, Engine.refusal(b, probe, offset));
      }
      tokensTaken = i + 1;
      offset += b.limitCount * PolicyState.PROBE_STRIDE;
    }
    boolean budgets = false;
    for (BoundPolicy b : bounds) {
      budgets |= b.budget != null;
    }
    if (bounds.length == 1 && !budgets) {
      admittedStatuses = bounds[0].statuses(probe, 0); // immutable: the decision keeps it as is
      return null;
    }
    List<RateLimitStatus> statuses = new ArrayList<>(slots / PolicyState.PROBE_STRIDE + 1);
    offset = 0;
    for (BoundPolicy b : bounds) {
      statuses.addAll(b.statuses(probe, offset));
      offset += b.limitCount * PolicyState.PROBE_STRIDE;
    }
    admittedStatuses = statuses;
    return null;
  }

  /**
   * {@link Step#BUDGETS}: a reservation of each policy's budget at the request's estimate, settled when it
   * ends; refused when the balance is spent.
   */
  private @Nullable Decision budgets() {
    boolean budgets = false;
    for (BoundPolicy b : bounds) {
      budgets |= b.budget != null;
    }
    if (!budgets) {
      return null;
    }
    List<RateLimitStatus> statuses = admittedStatuses; // the buckets' statuses: a list of our own here
    long[] out = new long[BudgetLedger.OUT_LENGTH];
    for (int i = 0; i < bounds.length; i++) {
      BoundPolicy b = bounds[i];
      Budget budget = b.budget;
      if (budget == null) {
        continue;
      }
      BudgetLedger.Reservation r =
          engine.budgets.reserve(
              b.budgetScope, key, budget, request.estimateFor(b.policy), now, out);
      RateLimitStatus status = budgetStatus(b, budget, out);
      if (r == null) {
        // only the budget: the buckets' tokens are given back, so their statuses would be stale
        return offence(
            b,
            Decision.denied(
                Reason.RATE_LIMITED,
                List.of(status),
                status,
                Duration.ofNanos(Math.max(1, out[BudgetLedger.POSITIVE_IN]))));
      }
      statuses.add(status);
      if (reservations.length == 0) {
        reservations = new BudgetLedger.Reservation[bounds.length];
      }
      reservations[i] = r;
      engine.budgetCrossed(agentId, budget, out, ids);
    }
    admittedStatuses = statuses;
    return null;
  }

  static RateLimitStatus budgetStatus(BoundPolicy b, Budget budget, long[] out) {
    long remaining = Math.max(0, Math.min(budget.amount(), out[BudgetLedger.BALANCE]));
    return new RateLimitStatus(
        b.policy.name(),
        budget.name(),
        budget.amount(),
        budget.interval(),
        remaining,
        Duration.ofNanos(Math.max(0, out[BudgetLedger.PERIOD_LEFT])));
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** Counts a refusal in the policy's lane if it has a penalty box; returns the refusal. */
  private Decision offence(BoundPolicy b, Decision refusal) {
    if (b.quarantine != null) {
      LimiterEvent.Quarantined event =
          engine.box.offence(b.lane, key, b.id, b.quarantine, refusal.reason(), now);
      if (event != null) {
        engine.emit(ids == null ? event : withRequestId(event));
      }
    }
    return refusal;
  }

  /** The box's event with the id of the request whose refusal put the agent there. */
  private LimiterEvent.Quarantined withRequestId(LimiterEvent.Quarantined e) {
    return new LimiterEvent.Quarantined(
        e.agentId(), e.lane(), e.policy(), e.duration(), e.level(), e.cause(), engine.requestId(ids));
  }

  /**
   * Gives back what the checks before a refusal took; loop checks that let the request through learn that
   * it was refused ({@code refusal}, or {@code null} if the checks failed) and when the agent may return.
   */
  private void undo(@Nullable Decision refusal) {
    engine.inFlight.releaseAll(permits);
    for (int i = 0; i < tokensTaken; i++) {
      bounds[i].state.refund(key, costs[i], now);
    }
    RequestFingerprint fp = request.fingerprint();
    long retryAt = refusal == null ? now : now + refusal.retryAfter().toNanos();
    for (int i = 0; fp != null && i < loopsPassed; i++) {
      AgentWatch w = watches[i];
      if (bounds[i].loop != null && w != null) {
        synchronized (w) {
          if (w.loops != null) {
            w.loops.refused(fp, retryAt);
          }
        }
      }
    }
    long[] out = new long[BudgetLedger.OUT_LENGTH];
    for (BudgetLedger.Reservation r : reservations) {
      if (r != null) {
        engine.budgets.settle(r, 0, now, out); // an actual cost of 0 gives the estimate back
      }
    }
  }

  private Admission admitted() {
    Decision decision = Decision.allowed(admittedStatuses);
    boolean holds = permits.length > 0 || reservations.length > 0;
    boolean feedback = false;
    for (BoundPolicy b : bounds) {
      feedback |= b.reputation != null || (b.loop != null && request.fingerprint() != null);
    }
    if (!holds && !feedback) {
      return new EngineAdmission.Ended(decision);
    }
    return new EngineAdmission(engine, request, ids, bounds, watches, permits, reservations, decision);
  }
}
