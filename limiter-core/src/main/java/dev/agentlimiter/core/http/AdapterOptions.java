package dev.agentlimiter.core.http;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Beta;
import dev.agentlimiter.api.Route;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The options every HTTP adapter has, as one value, so the servlet filter and the JAX-RS feature cannot
 * drift apart: routes by path (and whether they match ignoring case), shadow mode (global or per route),
 * anonymous annotated routes, fail-open or fail-closed, the {@code WWW-Authenticate} realm and the {@code
 * Retry-After} of a fail-closed 503, and the optional {@link AdminEndpoint}. Build it with {@link
 * #builder(AgentLimiter)}; each adapter's builder holds one such builder, or is given a built value
 * ({@code AgentLimiterFilter.builder(options)}, {@code AgentLimiterFeature.builder(options)}).
 *
 * <p><b>Immutable and thread-safe</b>: one value may configure any number of adapters, of either kind, at
 * once; they are then in front of the same limiter and share its state. <b>Validated when built</b>: every
 * option was checked when it was set, and {@link Builder#build()} checks the routes together, so an
 * adapter given the value refuses it only for what it adds itself (the servlet filter's annotated
 * servlets, the feature's annotated resource methods). Equality is identity: the value holds the limiter,
 * the routes in shadow mode and the admin endpoint by identity.
 */
public final class AdapterOptions {

  private final AgentLimiter limiter;
  private final RouteTable.Builder routes; // never handed out: copied by routeBuilder()
  private final RouteTable table;
  private final Set<Route> shadowRoutes;
  private final boolean anonymousAnnotated;
  private final boolean shadow;
  private final boolean failOpen;
  private final String realm;
  private final Duration unavailableRetryAfter;
  private final @Nullable AdminEndpoint adminEndpoint;

  private AdapterOptions(Builder b) {
    this.limiter = b.limiter;
    this.routes = RouteTable.builder().caseInsensitive(b.routes.isCaseInsensitive()).addAll(b.routes);
    this.table = routes.build(); // checks policy names (and patterns ignoring case) now, not at the first request
    Set<Route> shadowed = Collections.newSetFromMap(new IdentityHashMap<>());
    shadowed.addAll(b.shadowRoutes);
    this.shadowRoutes = Collections.unmodifiableSet(shadowed);
    this.anonymousAnnotated = b.anonymousAnnotated;
    this.shadow = b.shadow;
    this.failOpen = b.failOpen;
    this.realm = b.realm;
    this.unavailableRetryAfter = b.unavailableRetryAfter;
    this.adminEndpoint = b.adminEndpoint;
  }

  /**
   * A builder of options for adapters in front of {@code limiter}, with every option at its default.
   *
   * @throws NullPointerException if {@code limiter} is null
   */
  public static Builder builder(AgentLimiter limiter) {
    return new Builder(limiter);
  }

  /** The limiter the adapter is in front of. */
  public AgentLimiter limiter() {
    return limiter;
  }

  /** The routes configured by path. */
  public RouteTable routes() {
    return table;
  }

  /**
   * A new builder holding the routes configured by path, matching case as they do, for an adapter that adds
   * more.
   */
  public RouteTable.Builder routeBuilder() {
    return RouteTable.builder().caseInsensitive(routes.isCaseInsensitive()).addAll(routes);
  }

  /** Whether a request of {@code route} is decided but never refused: global shadow mode, or a shadow route. */
  public boolean shadows(Route route) {
    return shadow || shadowRoutes.contains(route);
  }

  /** Whether annotated routes without a scope serve anonymous callers. */
  public boolean anonymousAnnotated() {
    return anonymousAnnotated;
  }

  /** Whether a failure of the limiter itself lets requests through. */
  public boolean failOpen() {
    return failOpen;
  }

  /** The realm of the {@code WWW-Authenticate} challenge. */
  public String realm() {
    return realm;
  }

  /** The {@code Retry-After} of a fail-closed 503. */
  public Duration unavailableRetryAfter() {
    return unavailableRetryAfter;
  }

  /** The admin endpoint the adapter serves, if one was configured (none by default). */
  public Optional<AdminEndpoint> adminEndpoint() {
    return Optional.ofNullable(adminEndpoint);
  }

  /**
   * The options, for logs: each route by path (as {@code [METHOD ]pattern=Route[...]}, marked {@code
   * (shadow)} when it is in shadow mode) and every other option; of the admin endpoint only its base path
   * and scope. Never a credential: neither the limiter nor the endpoint's resolvers are shown.
   */
  @Override
  public String toString() {
    return "AdapterOptions[routes=" + routes.describe(shadowRoutes)
        + ", caseInsensitiveRoutes=" + routes.isCaseInsensitive()
        + ", anonymousAnnotatedRoutes=" + anonymousAnnotated
        + ", shadow=" + shadow
        + ", failOpen=" + failOpen
        + ", realm=" + realm
        + ", unavailableRetryAfter=" + unavailableRetryAfter
        + ", adminEndpoint="
        + (adminEndpoint == null
            ? "none"
            : adminEndpoint.basePath() + " (scope " + adminEndpoint.requiredScope() + ")")
        + "]";
  }

  /**
   * For an adapter's builder that delegates the shared options: {@code options} if it has them, else (it was
   * given built options) refuses {@code option} with the one message both adapters give.
   *
   * @throws IllegalStateException if {@code options} is null
   */
  @Beta
  public static Builder shared(@Nullable Builder options, String option) {
    if (options == null) {
      throw new IllegalStateException(
          "'" + option + "' is an AdapterOptions option, and this builder was given built AdapterOptions;"
              + " set it on their builder (AdapterOptions.builder(limiter)) instead");
    }
    return options;
  }

  /**
   * Builds {@link AdapterOptions}. Each option is checked when it is set, so a bad value fails at the line
   * that set it, with a message naming it; a route is mapped once per method and pattern, and the admin
   * endpoint set once, while the other options take the last value set. {@link #build()} may be called
   * more than once; each value keeps the options as they were then. Not thread-safe.
   */
  public static final class Builder {

    private final AgentLimiter limiter;
    private final RouteTable.Builder routes = RouteTable.builder();
    private final Set<Route> shadowRoutes = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean anonymousAnnotated;
    private boolean shadow;
    private boolean failOpen;
    private String realm = "api";
    private Duration unavailableRetryAfter = Duration.ofSeconds(5);
    private @Nullable AdminEndpoint adminEndpoint;

    private Builder(AgentLimiter limiter) {
      this.limiter = Objects.requireNonNull(limiter, "limiter");
    }

    /**
     * Limits every method of a servlet URL pattern: {@code /exact}, {@code /prefix/*}, {@code *.ext} or
     * {@code /}, matched against the path the adapter documents in its canonical spelling ({@link
     * RouteTable#canonical}: a trailing slash, a trailing {@code /.}, doubled slashes and dot segments do
     * not change the route).
     *
     * @throws IllegalArgumentException if the pattern is malformed or already mapped for every method
     */
    public Builder route(String pattern, Route route) {
      return route(null, pattern, route);
    }

    /**
     * Limits one HTTP method ({@code null}: every method) of a servlet URL pattern; a route for one method
     * wins over a route for every method.
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

    /**
     * Whether routes by path match ignoring case, as {@link String#equalsIgnoreCase} compares (default
     * off: case-sensitive, as servlet containers and Jakarta REST match). Turn it on where the application
     * routes ignoring case (Spring MVC with a case-insensitive {@code PathPatternParser}, say), or {@code
     * /V1/Orders} reaches the handler of {@code /v1/orders} unlimited. It applies to every route the
     * adapter matches by path (the servlet filter's annotated servlets too, on their URL patterns), not to
     * JAX-RS resource methods bound by their annotations. Patterns that differ only in case are then
     * refused by {@link #build()}.
     */
    public Builder caseInsensitiveRoutes(boolean ignoreCase) {
      routes.caseInsensitive(ignoreCase);
      return this;
    }

    /** Lets annotated routes without a scope serve anonymous callers, keyed on their address (default off). */
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
      realm = HttpResponses.checkRealm(Objects.requireNonNull(name, "realm"));
      return this;
    }

    /**
     * The {@code Retry-After} of a fail-closed 503 (default 5 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder unavailableRetryAfter(Duration retryAfter) {
      Objects.requireNonNull(retryAfter, "unavailableRetryAfter");
      if (retryAfter.isNegative() || retryAfter.isZero()) {
        throw new IllegalArgumentException("unavailableRetryAfter must be > 0 but was " + retryAfter);
      }
      unavailableRetryAfter = retryAfter;
      return this;
    }

    /**
     * Serves an {@link AdminEndpoint} (default none: <b>the adapter answers no admin path</b>, and requests
     * to it reach the application like any other). A request whose path the endpoint {@linkplain
     * AdminEndpoint#handles handles} is answered by it before any route is looked up and never reaches the
     * application; it takes nothing from any policy. The adapter must see the path: map the servlet filter
     * on {@code /*} (or on the base path too); under Jakarta REST the base path is relative to the
     * application's base URI. See {@code docs/admin-endpoint.md}.
     *
     * @throws IllegalArgumentException if the endpoint serves another limiter than these options'
     * @throws IllegalStateException if already set
     */
    public Builder adminEndpoint(AdminEndpoint endpoint) {
      Objects.requireNonNull(endpoint, "adminEndpoint");
      if (adminEndpoint != null) {
        throw new IllegalStateException("adminEndpoint was already set, at '" + adminEndpoint.basePath() + "'");
      }
      if (endpoint.limiter() != limiter) {
        throw new IllegalArgumentException(
            "adminEndpoint at '" + endpoint.basePath() + "' serves another limiter than this adapter's");
      }
      adminEndpoint = endpoint;
      return this;
    }

    /**
     * The options as set now, fixed; the builder stays usable, and later changes do not reach this value.
     *
     * @throws IllegalArgumentException if two routes use one policy name for two different policies, or,
     *     matching ignoring case, two patterns differ only in case
     */
    public AdapterOptions build() {
      return new AdapterOptions(this);
    }
  }
}
