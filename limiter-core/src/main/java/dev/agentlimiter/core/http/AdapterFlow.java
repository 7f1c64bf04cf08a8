package dev.agentlimiter.core.http;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Beta;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.internal.engine.Exchange;
import dev.agentlimiter.core.internal.engine.Limiter;
import dev.agentlimiter.core.internal.validation.RequestCheck;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * What every HTTP adapter does around one request, written once: admit it through the limiter, refuse it
 * unless its route is in shadow mode, fail open or closed when the limiter itself fails, hand the
 * application the replayed body and the {@code RateLimit} fields, and end the request exactly once with
 * the status it was answered. The servlet filter and the JAX-RS feature are thin callers: a container
 * only provides a {@link Responder} (write a whole response) and calls {@link Pass#end} when its request
 * is over. Immutable and thread-safe; one instance serves every request of an adapter.
 */
@Beta
public final class AdapterFlow {

  private static final System.Logger LOG = System.getLogger(AdapterFlow.class.getName());

  /** Writes a whole response: a refusal, or the fail-closed 503. */
  @FunctionalInterface
  public interface Responder {
    /**
     * Writes {@code status}, {@code headers} and the {@code application/problem+json} {@code body}, unless
     * the response is already committed.
     */
    void respond(int status, List<Map.Entry<String, String>> headers, byte[] body) throws IOException;
  }

  private final AdapterOptions options;

  /** A flow with an adapter's options. */
  public AdapterFlow(AdapterOptions options) {
    this.options = options;
  }

  /** The adapter's options. */
  public AdapterOptions options() {
    return options;
  }

  /**
   * Admits a request on {@code route}. Either the request may proceed, and the returned pass must be ended
   * once, or it was answered through {@code responder} (a refusal, or 503 when the limiter failed and the
   * adapter fails closed), and this returns {@code null}. Nothing the limiter throws escapes.
   *
   * @param pattern the route's pattern as the adapter matched it (for the decision event), or {@code null}
   * @throws IOException only from {@code responder}
   */
  public @Nullable Pass admit(RequestView request, Route route, @Nullable String pattern, Responder responder)
      throws IOException {
    boolean shadow = options.shadows(route);
    Admission admission;
    try {
      AgentLimiter limiter = options.limiter();
      admission =
          limiter instanceof Limiter ours
              ? ours.admit(request, route, pattern, shadow)
              : limiter.admit(request, route);
    } catch (RuntimeException e) {
      return failed(e, responder);
    }
    Decision decision = admission.decision();
    if (!decision.isAllowed() && !shadow) {
      int status = HttpResponses.status(decision);
      end(admission, status, Outcome.ofStatus(status));
      responder.respond(
          status,
          HttpResponses.refusalHeaders(decision, options.realm(), leavesBodyUnread(request, admission)),
          HttpResponses.problemBody(decision));
      return null;
    }
    return new Pass(admission);
  }

  private @Nullable Pass failed(RuntimeException e, Responder responder) throws IOException {
    boolean open = options.failOpen();
    LOG.log(System.Logger.Level.ERROR, "agent limiter failed; " + (open ? "failing open" : "answering 503"), e);
    if (open) {
      return new Pass(null);
    }
    responder.respond(
        503,
        HttpResponses.unavailableHeaders(options.unavailableRetryAfter()),
        HttpResponses.unavailableBody(options.unavailableRetryAfter()));
    return null;
  }

  /**
   * Whether a refusal leaves body bytes the client sent unread, so that the adapter must close the
   * connection rather than read them.
   */
  static boolean leavesBodyUnread(RequestView request, Admission admission) {
    return RequestCheck.hasBody(request) && !admission.bodyReadToEnd();
  }

  /** Ends an admission with the status answered, never throwing into the container. */
  static void end(@Nullable Admission admission, int status, Outcome outcome) {
    if (admission == null) {
      return;
    }
    try {
      if (admission instanceof Exchange x) {
        x.end(status, outcome);
      } else {
        admission.complete(outcome);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "agent limiter: ending a request failed", e);
    }
  }

  /**
   * A request the application may serve: admitted, reported only (a shadow route's refusal), or let through
   * because the limiter failed and the adapter fails open. End it exactly once; later calls do nothing.
   * Thread-safe: an asynchronous request may end on another thread.
   */
  @Beta
  public static final class Pass {
    private static final AtomicIntegerFieldUpdater<Pass> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(Pass.class, "ended");

    private final @Nullable Admission admission;

    @SuppressWarnings("UnusedVariable") // written through ENDED
    private volatile int ended;

    Pass(@Nullable Admission admission) {
      this.admission = admission;
    }

    /** The decision; {@link Decision#allowed()} if the limiter failed open. */
    public Decision decision() {
      return admission != null ? admission.decision() : Decision.allowed();
    }

    /** The body to hand the application instead of the container's, if the limiter read it. */
    public Optional<InputStream> replayBody() {
      return admission != null ? admission.replayBody() : Optional.empty();
    }

    /**
     * The {@code RateLimit-Policy} and {@code RateLimit} fields to set on the response; empty when no limit
     * was evaluated.
     */
    public List<Map.Entry<String, String>> rateLimitFields() {
      return HttpResponses.rateLimitHeaders(decision());
    }

    /** Ends the request with the final status the application answered; never throws. */
    public void end(int status) {
      if (ENDED.compareAndSet(this, 0, 1)) {
        AdapterFlow.end(admission, status, Outcome.ofStatus(status));
      }
    }

    /**
     * Ends the request as a failure with no status known: the application threw, or the request was over
     * without a response the adapter saw.
     */
    public void endFailed() {
      if (ENDED.compareAndSet(this, 0, 1)) {
        AdapterFlow.end(admission, 0, Outcome.failure());
      }
    }

    /** Ends the request with no outcome: the adapter itself failed after admitting it. */
    public void endUnknown() {
      if (ENDED.compareAndSet(this, 0, 1)) {
        AdapterFlow.end(admission, 0, Outcome.unknown());
      }
    }

    @Override
    public String toString() {
      return "Pass[" + decision() + "]";
    }
  }
}
