package dev.agentlimiter.core.http;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Route;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The options every HTTP adapter has, once, so the servlet filter and the JAX-RS feature cannot drift apart:
 * routes by path (and whether they match ignoring case), shadow mode (global or per route), anonymous
 * annotated routes, fail-open or fail-closed, the {@code WWW-Authenticate} realm and the {@code Retry-After}
 * of a fail-closed 503, and the optional {@link AdminEndpoint}. Each adapter's builder extends it and adds what only it has.
 *
 * <p>Not thread-safe; each option is checked when it is set, so a bad value fails at the line that set it.
 *
 * @param <B> the adapter's builder, returned by every option for chaining
 */
public abstract class AdapterBuilder<B extends AdapterBuilder<B>> {

  private final AgentLimiter limiter;
  private final RouteTable.Builder routes = RouteTable.builder();
  private final Set<Route> shadowRoutes = Collections.newSetFromMap(new IdentityHashMap<>());
  private boolean anonymousAnnotated;
  private boolean shadow;
  private boolean failOpen;
  private String realm = "api";
  private Duration unavailableRetryAfter = Duration.ofSeconds(5);
  private @Nullable AdminEndpoint adminEndpoint;

  /** Options for an adapter in front of {@code limiter}. */
  protected AdapterBuilder(AgentLimiter limiter) {
    this.limiter = Objects.requireNonNull(limiter, "limiter");
  }

  /** This builder, as its own type. */
  protected abstract B self();

  /**
   * Limits every method of a servlet URL pattern: {@code /exact}, {@code /prefix/*}, {@code *.ext} or {@code
   * /}, matched against the path the adapter documents in its canonical spelling ({@link
   * RouteTable#canonical}: a trailing slash, a trailing {@code /.}, doubled slashes and dot segments do not
   * change the route).
   *
   * @throws IllegalArgumentException if the pattern is malformed or already mapped for every method
   */
  public B route(String pattern, Route route) {
    return route(null, pattern, route);
  }

  /**
   * Limits one HTTP method of a servlet URL pattern; it wins over a route for every method.
   *
   * @throws IllegalArgumentException if the pattern is malformed or already mapped for that method
   */
  public B route(@Nullable String method, String pattern, Route route) {
    routes.add(method, pattern, route);
    return self();
  }

  /**
   * Maps a route in shadow mode: its requests are decided, reported and given the headers as when
   * enforcing, but never refused; other routes enforce (unless {@link #shadow(boolean)} is on). Shadow
   * mode belongs to the {@code route} object: map another instance to enforce the same limits elsewhere.
   *
   * @throws IllegalArgumentException as {@link #route(String, String, Route)}
   */
  public B shadowRoute(@Nullable String method, String pattern, Route route) {
    route(method, pattern, route);
    shadowRoutes.add(route);
    return self();
  }

  /**
   * Whether routes by path match ignoring case, as {@link String#equalsIgnoreCase} compares (default off:
   * case-sensitive, as servlet containers and Jakarta REST match). Turn it on where the application routes
   * ignoring case (Spring MVC with a case-insensitive {@code PathPatternParser}, say), or {@code /V1/Orders}
   * reaches the handler of {@code /v1/orders} unlimited. It applies to every route the adapter matches by
   * path (the servlet filter's annotated servlets too, on their URL patterns), not to JAX-RS resource methods
   * bound by their annotations. Patterns that differ only in case are then refused when the adapter is built.
   */
  public B caseInsensitiveRoutes(boolean ignoreCase) {
    routes.caseInsensitive(ignoreCase);
    return self();
  }

  /** Lets annotated routes without a scope serve anonymous callers, keyed on their address (default off). */
  public B anonymousAnnotatedRoutes(boolean anonymous) {
    anonymousAnnotated = anonymous;
    return self();
  }

  /**
   * Shadow mode: decide, emit and set headers as when enforcing, but never refuse (default off), <b>not
   * even an unauthenticated or invalid request</b>.
   */
  public B shadow(boolean enabled) {
    shadow = enabled;
    return self();
  }

  /**
   * Whether a failure of the limiter itself lets requests through (open) or answers 503 with the IETF
   * {@code temporary-reduced-capacity} problem (closed, the default: an identity check that fails open
   * would admit anyone).
   */
  public B failOpen(boolean open) {
    failOpen = open;
    return self();
  }

  /**
   * The realm of the {@code WWW-Authenticate} challenge on 401 (default {@code "api"}).
   *
   * @throws IllegalArgumentException if not 1 to 64 letters, digits, {@code . _ -}
   */
  public B realm(String name) {
    realm = HttpResponses.checkRealm(name);
    return self();
  }

  /**
   * The {@code Retry-After} of a fail-closed 503 (default 5 s).
   *
   * @throws IllegalArgumentException if not positive
   */
  public B unavailableRetryAfter(Duration retryAfter) {
    if (retryAfter.isNegative() || retryAfter.isZero()) {
      throw new IllegalArgumentException("unavailableRetryAfter must be > 0 but was " + retryAfter);
    }
    unavailableRetryAfter = retryAfter;
    return self();
  }

  /**
   * Serves an {@link AdminEndpoint} (default none: <b>the adapter answers no admin path</b>, and requests
   * to it reach the application like any other). A request whose path the endpoint {@linkplain
   * AdminEndpoint#handles handles} is answered by it before any route is looked up and never reaches the
   * application; it takes nothing from any policy. The adapter must see the path: map the servlet filter on
   * {@code /*} (or on the base path too); under Jakarta REST the base path is relative to the application's
   * base URI. See {@code docs/admin-endpoint.md}.
   *
   * @throws IllegalArgumentException if the endpoint serves another limiter than this adapter's
   * @throws IllegalStateException if already set
   */
  public B adminEndpoint(AdminEndpoint endpoint) {
    Objects.requireNonNull(endpoint, "adminEndpoint");
    if (adminEndpoint != null) {
      throw new IllegalStateException("adminEndpoint was already set, at '" + adminEndpoint.basePath() + "'");
    }
    if (endpoint.limiter() != limiter) {
      throw new IllegalArgumentException(
          "adminEndpoint at '" + endpoint.basePath() + "' serves another limiter than this adapter's");
    }
    adminEndpoint = endpoint;
    return self();
  }

  /**
   * The options as set now, fixed: what the adapter's {@code build()} keeps.
   *
   * @throws IllegalArgumentException if two routes use one policy name for two different policies, or,
   *     matching ignoring case, two patterns differ only in case
   */
  protected final AdapterOptions options() {
    routes.build(); // checks policy names (and patterns ignoring case) now, not at the first request
    Set<Route> shadowed = Collections.newSetFromMap(new IdentityHashMap<>());
    shadowed.addAll(shadowRoutes);
    return new AdapterOptions(
        limiter, RouteTable.builder().caseInsensitive(routes.isCaseInsensitive()).addAll(routes),
        Collections.unmodifiableSet(shadowed), anonymousAnnotated,
        shadow, failOpen, realm, unavailableRetryAfter, adminEndpoint);
  }
}
