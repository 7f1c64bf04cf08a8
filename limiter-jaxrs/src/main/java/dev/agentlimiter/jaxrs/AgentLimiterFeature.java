package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.RequireScope;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.HttpResponses;
import dev.agentlimiter.core.RouteTable;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.core.Feature;
import jakarta.ws.rs.core.FeatureContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The engine in front of Jakarta REST 3.1 resources. Register it with the application ({@code
 * resourceConfig.register(feature)} on Jersey, {@code Application.getSingletons()} on RESTEasy); it adds a
 * {@code DynamicFeature} that binds the limiter's filter <b>only to the resource methods that need it</b>:
 * those carrying {@link AgentRateLimit} or {@link RequireScope} on the method or its class, and, if routes
 * were configured by path, the others. Resource methods of an application without path routes and without
 * these annotations run no code of ours at all.
 *
 * <p>For a request on a limited method the filter calls {@link AgentLimiter#enter(dev.agentlimiter.api.RequestView,
 * Route)} once, after the application's authentication and authorization filters ({@link #PRIORITY}, so
 * the {@code SecurityContext} principal is the identity {@code IdentityResolvers.principal()} sees), and
 * either aborts with the refusal of {@code docs/http-contract.md}, byte for byte the servlet filter's, or lets
 * the resource run with the body replayed if the engine read it. The response filter sets the {@code
 * RateLimit} fields and ends the admission with the final status, also for {@code AsyncResponse} and
 * {@code CompletionStage} resources (when they complete, fail or time out) and for exceptions no mapper
 * handles (Jakarta REST 3.1's default mapper answers 500 through the response filters; on Jersey and RESTEasy
 * the end of the request also ends an admission no response filter saw). Refusals are aborted responses, so
 * the application's {@code ExceptionMapper}s never see or change them.
 *
 * <p>Thread-safe; one instance may serve several applications. <b>Engine failures never reach the
 * application</b>: the filter fails closed (503) by default, or open if configured. See {@code
 * docs/jaxrs.md} for the peer address, which Jakarta REST has no standard API for.
 */
public final class AgentLimiterFeature implements Feature {

  /**
   * The priority of the limiter's request and response filters: {@code Priorities.AUTHORIZATION + 100}.
   * Request filters run in ascending order, so the limiter runs after authentication ({@value
   * Priorities#AUTHENTICATION}) and authorization ({@value Priorities#AUTHORIZATION}) filters and before
   * {@code HEADER_DECORATOR} and {@code USER} ones; response filters run in descending order, so it sees the
   * status that {@code USER} response filters leave.
   */
  public static final int PRIORITY = Priorities.AUTHORIZATION + 100;

  private final Settings settings;
  private final Set<String> bound = ConcurrentHashMap.newKeySet();

  private AgentLimiterFeature(Settings settings) {
    this.settings = settings;
  }

  /** A builder for a feature in front of {@code limiter}. */
  public static Builder builder(AgentLimiter limiter) {
    return new Builder(Objects.requireNonNull(limiter, "limiter"));
  }

  /**
   * Adds the limiter's {@code DynamicFeature} (and, on Jersey and wherever the Servlet API is present, the
   * never-consulted providers through which the implementation injects what it offers beyond the standard).
   *
   * @return {@code false} on a client, where the feature does nothing
   */
  @Override
  public boolean configure(FeatureContext context) {
    if (context.getConfiguration().getRuntimeType() == RuntimeType.CLIENT) {
      return false;
    }
    Host host = Host.detect(context);
    context.register(new MethodBinder(settings, host, bound));
    return true;
  }

  /** The resource methods the limiter's filter is bound to, as {@code Class.method}; for tests. */
  Set<String> boundMethods() {
    return Collections.unmodifiableSet(bound);
  }

  /** The configuration, fixed when the feature is built. */
  record Settings(
      AgentLimiter limiter, RouteTable routes, boolean anonymousAnnotated, boolean shadow, Set<Route> shadowRoutes,
      boolean failOpen, String realm, Duration unavailableRetryAfter) {

    boolean shadows(Route route) {
      return shadow || shadowRoutes.contains(route);
    }
  }

  /**
   * Configures an {@link AgentLimiterFeature}. Not thread-safe; validates each value at once. The options
   * are those of the servlet filter's builder that apply to resources.
   */
  public static final class Builder {
    private final AgentLimiter limiter;
    private final RouteTable.Builder routes = RouteTable.builder();
    private final List<Route> shadowRoutes = new ArrayList<>();
    private boolean anonymousAnnotated;
    private boolean shadow;
    private boolean failOpen;
    private String realm = "api";
    private Duration unavailableRetryAfter = Duration.ofSeconds(5);

    private Builder(AgentLimiter limiter) {
      this.limiter = limiter;
    }

    /**
     * Limits every method of a servlet URL pattern ({@code /exact}, {@code /prefix/*}, {@code *.ext} or
     * {@code /}), matched against the request path relative to the application's base URI (below its
     * {@code @ApplicationPath} or servlet mapping), percent-decoded and without matrix parameters. A path
     * route applies only to resource methods without {@link AgentRateLimit} or {@link RequireScope}: a
     * method's annotations win, as a servlet's exact mapping wins over a prefix.
     *
     * @throws IllegalArgumentException if the pattern is malformed or already mapped for every method
     */
    public Builder route(String pattern, Route route) {
      return route(null, pattern, route);
    }

    /**
     * Limits one HTTP method of a servlet URL pattern; it wins over a route for every method. See {@link
     * #route(String, Route)}.
     *
     * @throws IllegalArgumentException if the pattern is malformed or already mapped for that method
     */
    public Builder route(@Nullable String method, String pattern, Route route) {
      routes.add(method, pattern, route);
      return this;
    }

    /**
     * Maps a route in shadow mode: its requests are decided, reported and given the headers as when
     * enforcing, but never refused; other routes enforce (unless {@link #shadow(boolean)} is on). Shadow
     * mode belongs to the {@code route} object: map another instance to enforce the same limits elsewhere.
     *
     * @throws IllegalArgumentException as {@link #route(String, String, Route)}
     */
    public Builder shadowRoute(@Nullable String method, String pattern, Route route) {
      route(method, pattern, route);
      shadowRoutes.add(route);
      return this;
    }

    /** Lets annotated methods without a scope serve anonymous callers, keyed on their address (default off). */
    public Builder anonymousAnnotatedRoutes(boolean anonymous) {
      anonymousAnnotated = anonymous;
      return this;
    }

    /**
     * Shadow mode: decide, emit and set headers as when enforcing, but never refuse (default off), <b>not
     * even an unauthenticated or invalid request</b>.
     */
    public Builder shadow(boolean enabled) {
      shadow = enabled;
      return this;
    }

    /**
     * Whether a failure of the limiter itself lets requests through (open) or answers 503 with the IETF
     * {@code temporary-reduced-capacity} problem (closed, the default: an identity check that fails open
     * would admit anyone).
     */
    public Builder failOpen(boolean open) {
      failOpen = open;
      return this;
    }

    /**
     * The realm of the {@code WWW-Authenticate} challenge on 401 (default {@code "api"}).
     *
     * @throws IllegalArgumentException if not 1 to 64 letters, digits, {@code . _ -}
     */
    public Builder realm(String name) {
      realm = HttpResponses.checkRealm(name);
      return this;
    }

    /**
     * The {@code Retry-After} of a fail-closed 503 (default 5 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder unavailableRetryAfter(Duration retryAfter) {
      if (retryAfter.isNegative() || retryAfter.isZero()) {
        throw new IllegalArgumentException("unavailableRetryAfter must be > 0 but was " + retryAfter);
      }
      unavailableRetryAfter = retryAfter;
      return this;
    }

    /** The feature; annotations are read as the implementation deploys each resource method. */
    public AgentLimiterFeature build() {
      Set<Route> shadowed = Collections.newSetFromMap(new IdentityHashMap<>());
      shadowed.addAll(shadowRoutes);
      return new AgentLimiterFeature(
          new Settings(
              limiter, routes.build(), anonymousAnnotated, shadow, Collections.unmodifiableSet(shadowed), failOpen,
              realm, unavailableRetryAfter));
    }
  }
}
