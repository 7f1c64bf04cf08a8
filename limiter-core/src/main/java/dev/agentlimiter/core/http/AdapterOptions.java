package dev.agentlimiter.core.http;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Route;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The options of an HTTP adapter, fixed when its builder ({@link AdapterBuilder}) builds it. Immutable and
 * thread-safe: the routes by path are a built {@link RouteTable}, and {@link #routeBuilder()} hands out a
 * fresh copy for an adapter that adds routes of its own (the servlet filter's annotated servlets).
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

  AdapterOptions(
      AgentLimiter limiter, RouteTable.Builder routes, Set<Route> shadowRoutes, boolean anonymousAnnotated,
      boolean shadow, boolean failOpen, String realm, Duration unavailableRetryAfter,
      @Nullable AdminEndpoint adminEndpoint) {
    this.limiter = limiter;
    this.routes = routes;
    this.table = routes.build();
    this.shadowRoutes = shadowRoutes;
    this.anonymousAnnotated = anonymousAnnotated;
    this.shadow = shadow;
    this.failOpen = failOpen;
    this.realm = realm;
    this.unavailableRetryAfter = unavailableRetryAfter;
    this.adminEndpoint = adminEndpoint;
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
}
