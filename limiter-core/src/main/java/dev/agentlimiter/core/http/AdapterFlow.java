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
import dev.agentlimiter.core.internal.engine.Snapshot;
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
  /** The limiter, if it is this library's (it has a configuration with routes); else null. */
  private final @Nullable Limiter ours;
  /** The configured routes folded for a case-insensitive adapter, for one generation. */
  private volatile @Nullable Folded folded;

  private record Folded(long generation, RouteTable table) {}

  /**
   * A flow with an adapter's options; registers the routes of {@code options} with the limiter.
   *
   * @throws IllegalArgumentException if a route names a policy the limiter's configuration does not define
   */
  public AdapterFlow(AdapterOptions options) {
    this.options = options;
    this.ours = options.limiter() instanceof Limiter l ? l : null;
    register(options.routes().routes());
  }

  /**
   * Whether a request's path may be looked up now: the adapter's options or the running configuration
   * have routes by path. An adapter whose endpoint has a route of its own may skip computing the path when
   * not.
   */
  public boolean routesByPath() {
    Limiter l = ours;
    return !options.routes().isEmpty() || (l != null && !l.snapshot().routes().isEmpty());
  }

  /**
   * Whether the limiter has a configuration that may route requests by path, now or after a reload (it is
   * this library's limiter): an adapter then checks every request against the configuration's routes.
   */
  public boolean configurable() {
    return ours != null;
  }

  /**
   * Registers routes the adapter found itself (annotated endpoints) with the limiter: the policies they
   * define join its code layer, and the names they only name ({@link dev.agentlimiter.api.AgentPolicy})
   * must be defined by its configuration now and by every configuration applied later.
   *
   * @throws IllegalArgumentException naming the route and the policy, if one is not defined
   */
  public void register(Iterable<Route> routes) {
    Limiter l = ours;
    if (l != null) {
      l.register(routes);
    } else {
      for (Route r : routes) {
        for (String name : r.policyNames()) {
          if (r.definition(name) == null) {
            throw new IllegalArgumentException(
                "route " + r + ": policy '" + name + "' is only named, which needs the limiter of"
                    + " AgentLimiters.newBuilder() to define it");
          }
        }
      }
    }
  }

  /**
   * The route of a request under the limiter's running configuration, found once: a route of the
   * configuration ({@link dev.agentlimiter.api.PolicySet#routes()}, such as a policy file's) matching the
   * path wins; else {@code bound}, the route the adapter bound to the endpoint (annotations), if any; else a
   * route of the adapter's options. The result carries that configuration, so that {@link #admit(RequestView,
   * Routed, Responder)} decides under it.
   *
   * @param method the request's method
   * @param path the path within the application, decoded; {@code null} if the adapter did not compute it
   *     because {@link #routesByPath()} said none would be looked up (then only {@code bound} applies)
   * @param bound the endpoint's own route, or {@code null}
   * @param boundPattern the pattern that names {@code bound} in events, or {@code null}
   * @return the route, or {@code null} if none applies
   */
  public @Nullable Routed route(
      String method, @Nullable String path, @Nullable Route bound, @Nullable String boundPattern) {
    return find(method, path, bound, boundPattern, options.routes());
  }

  /**
   * {@link #route(String, String, Route, String)} with no bound route and a table of the adapter's own
   * (its options' routes and those it discovered) instead of its options'.
   */
  public @Nullable Routed route(String method, String path, RouteTable own) {
    return find(method, path, null, null, own);
  }

  /** The one lookup: the configuration's routes, then {@code bound}, then {@code table}; one snapshot. */
  private @Nullable Routed find(
      String method, @Nullable String path, @Nullable Route bound, @Nullable String boundPattern,
      RouteTable table) {
    Limiter l = ours;
    Snapshot snapshot = l == null ? null : l.snapshot();
    if (snapshot != null && path != null) {
      RouteTable configured = configured(snapshot);
      if (!configured.isEmpty()) {
        RouteTable.Match m = configured.lookup(method, path);
        if (m != null) {
          Route r = m.route();
          return new Routed(r, m.pattern(), snapshot.shadows(r) || options.shadows(r), snapshot);
        }
      }
    }
    if (bound != null) {
      return new Routed(bound, boundPattern, options.shadows(bound), snapshot);
    }
    RouteTable.Match m = path == null ? null : table.lookup(method, path);
    return m == null ? null : new Routed(m.route(), m.pattern(), options.shadows(m.route()), snapshot);
  }

  private RouteTable configured(Snapshot snapshot) {
    RouteTable table = snapshot.routes();
    if (table.isEmpty() || !options.routes().caseInsensitive()) {
      return table;
    }
    Folded f = folded;
    if (f == null || f.generation() != snapshot.generation()) {
      RouteTable.Builder b = RouteTable.builder().caseInsensitive(true);
      for (dev.agentlimiter.api.PolicySet.RouteRule r : snapshot.effective().routes()) {
        b.add(r.method().orElse(null), r.pattern(), r.route());
      }
      f = new Folded(snapshot.generation(), b.build());
      folded = f;
    }
    return f.table();
  }

  /**
   * A route found by {@link #route}, with the configuration it was found under. Immutable.
   */
  public static final class Routed {
    private final Route route;
    private final @Nullable String pattern;
    private final boolean shadow;
    private final @Nullable Snapshot snapshot;

    Routed(Route route, @Nullable String pattern, boolean shadow, @Nullable Snapshot snapshot) {
      this.route = route;
      this.pattern = pattern;
      this.shadow = shadow;
      this.snapshot = snapshot;
    }

    /** The route. */
    public Route route() {
      return route;
    }

    /** The pattern that names it in events, if known. */
    public Optional<String> pattern() {
      return Optional.ofNullable(pattern);
    }

    /** Whether the route's refusals are only reported. */
    public boolean shadow() {
      return shadow;
    }
  }

  /**
   * {@link #admit(RequestView, Route, String, Responder)} of a route {@link #route} found, decided under
   * the configuration it was found in.
   */
  public @Nullable Pass admit(RequestView request, Routed routed, Responder responder) throws IOException {
    boolean shadow = routed.shadow;
    Admission admission;
    try {
      Limiter l = ours;
      Snapshot snapshot = routed.snapshot;
      admission =
          l != null && snapshot != null
              ? l.admit(request, routed.route, routed.pattern, shadow, snapshot)
              : options.limiter().admit(request, routed.route);
    } catch (RuntimeException e) {
      return failed(e, responder);
    }
    return decided(request, admission, shadow, responder);
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
          limiter instanceof Limiter l
              ? l.admit(request, route, pattern, shadow)
              : limiter.admit(request, route);
    } catch (RuntimeException e) {
      return failed(e, responder);
    }
    return decided(request, admission, shadow, responder);
  }

  private @Nullable Pass decided(
      RequestView request, Admission admission, boolean shadow, Responder responder) throws IOException {
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
