package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Outcome;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Ends an admitted request's admission once: from the response filter with the final status, or, if no
 * response filter ran (an exception the implementation passed to the container), from the implementation's
 * end-of-request hook as a failure. Thread-safe.
 */
final class Ending {

  private static final AtomicIntegerFieldUpdater<Ending> ENDED = AtomicIntegerFieldUpdater.newUpdater(Ending.class, "ended");
  private static final System.Logger LOG = System.getLogger(AgentLimiterFeature.class.getName());

  private final Admission admission;
  private final Decision decision;

  @SuppressWarnings("UnusedVariable") // read and written only through ENDED
  private volatile int ended;

  Ending(Admission admission, Decision decision) {
    this.admission = admission;
    this.decision = decision;
  }

  Decision decision() {
    return decision;
  }

  /** Ends the admission with {@code outcome} unless it has ended; never throws. */
  void end(Outcome outcome) {
    if (ENDED.compareAndSet(this, 0, 1)) {
      try {
        admission.complete(outcome);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "agent limiter: ending an admission failed", e);
      }
    }
  }

  /** Ends it as a failure: the request is over and no response filter saw a response. */
  void endUnanswered() {
    end(Outcome.failure());
  }
}
