package dev.agentlimiter.servlet.contract;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import java.io.InputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real engine, observed: every admission the adapter ends releases a permit per agent, so a test can wait
 * for "the adapter ended the request" (an event, not a poll) before it checks the engine's in-flight count.
 * {@link #failing(AgentLimiter)} builds one whose {@link #admit(RequestView, Route)} throws, as a broken store would.
 */
public final class RecordingLimiter implements AgentLimiter {

  private final AgentLimiter delegate;
  private final boolean failing;
  private final ConcurrentHashMap<String, Semaphore> ended = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Outcome.Kind> lastOutcome = new ConcurrentHashMap<>();

  private RecordingLimiter(AgentLimiter delegate, boolean failing) {
    this.delegate = delegate;
    this.failing = failing;
  }

  /** Observes {@code delegate}. */
  public static RecordingLimiter of(AgentLimiter delegate) {
    return new RecordingLimiter(delegate, false);
  }

  /** A limiter that cannot decide: every HTTP admission throws. */
  public static RecordingLimiter failing(AgentLimiter delegate) {
    return new RecordingLimiter(delegate, true);
  }

  /** Waits until the adapter has ended {@code count} more admissions of the agent, at most {@code timeout}. */
  public boolean awaitEnded(String agentId, int count, Duration timeout) throws InterruptedException {
    return semaphore(agentId).tryAcquire(count, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The kind of the outcome the adapter last reported for the agent, if any. */
  public Optional<Outcome.Kind> lastOutcome(String agentId) {
    return Optional.ofNullable(lastOutcome.get(agentId));
  }

  private Semaphore semaphore(String agentId) {
    return ended.computeIfAbsent(agentId, k -> new Semaphore(0));
  }

  @Override
  public Decision decide(AgentRequest request) {
    return delegate.decide(request);
  }

  @Override
  public Admission enter(AgentRequest request) {
    return delegate.enter(request);
  }

  @Override
  public Admission admit(RequestView request, Route route) {
    if (failing) {
      throw new IllegalStateException("state store unavailable (simulated)");
    }
    return new Recorded(delegate.admit(request, route));
  }

  @Override
  public void report(AgentIdentity agent, Policy policy, Outcome outcome) {
    delegate.report(agent, policy, outcome);
  }

  @Override
  public boolean tryAcquire(AgentIdentity agent, Policy policy) {
    return delegate.tryAcquire(agent, policy);
  }

  @Override
  public LimiterAdmin admin() {
    return delegate.admin();
  }

  private final class Recorded implements Admission {
    private final Admission admission;
    private final AtomicBoolean done = new AtomicBoolean();

    Recorded(Admission admission) {
      this.admission = admission;
    }

    @Override
    public Decision decision() {
      return admission.decision();
    }

    @Override
    public Optional<AgentIdentity> agent() {
      return admission.agent();
    }

    @Override
    public Optional<InputStream> replayBody() {
      return admission.replayBody();
    }

    @Override
    public boolean bodyReadToEnd() {
      return admission.bodyReadToEnd();
    }

    @Override
    public void complete(Outcome outcome) {
      admission.complete(outcome);
      ended(outcome.kind());
    }

    @Override
    public void close() {
      admission.close();
      ended(Outcome.Kind.UNKNOWN);
    }

    private void ended(Outcome.Kind kind) {
      if (done.compareAndSet(false, true)) {
        String id = admission.agent().map(AgentIdentity::id).orElse("-");
        lastOutcome.put(id, kind);
        semaphore(id).release();
      }
    }
  }

  @Override
  public String toString() {
    return "RecordingLimiter[" + delegate + (failing ? ", failing" : "") + "]";
  }
}
