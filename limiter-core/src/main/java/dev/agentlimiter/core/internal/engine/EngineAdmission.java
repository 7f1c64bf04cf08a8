package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.core.internal.defence.AgentWatch;
import dev.agentlimiter.core.internal.defence.BudgetLedger;
import dev.agentlimiter.core.internal.defence.InFlightTable;
import dev.agentlimiter.core.internal.state.StateKeys;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * An admitted request that holds permits or reservations, or whose outcome feeds a detector. The first
 * {@link #complete} or {@link #close} wins (a compare-and-set); the others do nothing.
 */
final class EngineAdmission implements Admission {

  private final Engine engine;
  private final AgentRequest request;
  /** The HTTP request, for the id of the events its end causes; {@code null} outside HTTP. */
  private final @Nullable RequestIdSource ids;
  private final BoundPolicy[] bounds;
  private final @Nullable AgentWatch[] watches;
  private final InFlightTable.@Nullable Permit[] permits;
  private final BudgetLedger.@Nullable Reservation[] reservations;
  private final Decision decision;
  private static final AtomicIntegerFieldUpdater<EngineAdmission> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(EngineAdmission.class, "ended");

  @SuppressWarnings("UnusedVariable") // written through ENDED
  private volatile int ended;

  EngineAdmission(
      Engine engine,
      AgentRequest request,
      @Nullable RequestIdSource ids,
      BoundPolicy[] bounds,
      @Nullable AgentWatch[] watches,
      InFlightTable.@Nullable Permit[] permits,
      BudgetLedger.@Nullable Reservation[] reservations,
      Decision decision) {
    this.engine = engine;
    this.request = request;
    this.ids = ids;
    this.bounds = bounds;
    this.watches = watches;
    this.permits = permits;
    this.reservations = reservations;
    this.decision = decision;
  }

  @Override
  public Decision decision() {
    return decision;
  }

  @Override
  public void complete(Outcome outcome) {
    if (!ENDED.compareAndSet(this, 0, 1)) {
      return;
    }
    try {
      end(outcome);
    } catch (RuntimeException e) {
      // never into the application: the state is bounded and self-healing (leak guard, expiry)
      System.getLogger(EngineAdmission.class.getName())
          .log(System.Logger.Level.WARNING, "limiter failed to end an admission", e);
    }
  }

  private void end(Outcome outcome) {
    engine.inFlight.releaseAll(permits);
    RequestFingerprint fp = request.fingerprint();
    if (fp != null) {
      // the request is no longer in flight for loop detection, whatever its outcome
      for (int i = 0; i < bounds.length; i++) {
        AgentWatch w = watches[i];
        if (bounds[i].loop != null && w != null) {
          synchronized (w) {
            if (w.loops != null) {
              w.loops.ended(fp);
            }
          }
        }
      }
    }
    boolean settle = outcome.actualCost().isPresent() && reservations.length > 0;
    if (!settle && outcome.kind() == Outcome.Kind.UNKNOWN) {
      return;
    }
    long now = engine.clock.now();
    if (settle) {
      long actual = outcome.actualCost().getAsLong();
      long[] out = new long[BudgetLedger.OUT_LENGTH];
      for (BudgetLedger.Reservation r : reservations) {
        if (r != null && actual != r.estimate()) {
          engine.budgets.settle(r, actual, now, out);
          engine.budgetCrossed(request.agent().id(), r.budget(), out, ids);
        }
      }
    }
    if (outcome.kind() == Outcome.Kind.UNKNOWN) {
      return;
    }
    boolean failed = outcome.kind() == Outcome.Kind.FAILURE;
    String agentId = request.agent().id();
    for (int i = 0; i < bounds.length; i++) {
      BoundPolicy b = bounds[i];
      if (b.loop == null && b.reputation == null) {
        continue;
      }
      AgentWatch w = watches[i];
      if (w == null) {
        w = engine.watches.get(b, StateKeys.of(request.agent()), now);
      }
      if (b.loop != null && fp != null) {
        synchronized (w) {
          if (w.loops != null) {
            w.loops.outcome(fp, failed, now);
          }
        }
      }
      if (b.reputation != null) {
        engine.reputation(b, w, agentId, now, outcome.kind(), ids);
      }
    }
  }

  @Override
  public void close() {
    complete(Outcome.unknown());
  }

  @Override
  public String toString() {
    return "Admission[" + decision + (ended == 1 ? ", ended" : ", open") + "]";
  }

  /** A refused request, or an admitted one that holds nothing and feeds nothing back. */
  static final class Ended implements Admission {
    private final Decision decision;

    Ended(Decision decision) {
      this.decision = decision;
    }

    @Override
    public Decision decision() {
      return decision;
    }

    @Override
    public void complete(Outcome outcome) {}

    @Override
    public void close() {}

    @Override
    public String toString() {
      return "Admission[" + decision + ", ended]";
    }
  }
}
