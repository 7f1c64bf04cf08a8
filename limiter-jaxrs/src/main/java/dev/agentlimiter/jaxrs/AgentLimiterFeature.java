package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.RequireScope;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.AdapterOptions;
import dev.agentlimiter.core.http.AdminEndpoint;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.core.Feature;
import jakarta.ws.rs.core.FeatureContext;
import java.time.Duration;
import java.util.Collections;
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
 * <p>For a request on a limited method the filter calls {@link AgentLimiter#admit(dev.agentlimiter.api.RequestView,
 * Route)} once, after the application's authentication and authorization filters ({@link #PRIORITY}, so
 * the {@code SecurityContext} principal is the identity {@code IdentityResolvers.principal()} sees), and
 * either aborts with the refusal of {@code docs/http-contract.md}, byte for byte the servlet filter's, or lets
 * the resource run with the body replayed if the engine read it. An admitted request's response gets the
 * {@code RateLimit} fields and its admission is ended once with the final status, also for {@code
 * AsyncResponse} and {@code CompletionStage} resources (when they complete, fail or time out) and for
 * exceptions no mapper handles: on Jersey in the request's {@code ContainerResponseWriter} (so no response
 * filter is bound there), elsewhere in the limiter's response filter (Jakarta REST 3.1's default mapper
 * answers 500 through the response filters), with RESTEasy's end of request as a backstop. Refusals are
 * aborted responses, so the application's {@code ExceptionMapper}s never see or change them.
 *
 * <p>With an {@linkplain AdapterOptions.Builder#adminEndpoint admin endpoint} (none by default), the feature also
 * registers a {@code @PreMatching} request filter: a request whose path <b>relative to the application's
 * base URI</b> (as routes by path are matched) is under the endpoint's base path is aborted with the
 * endpoint's answer before any resource is matched, so no resource, resource filter or {@code
 * ExceptionMapper} sees it (response filters do, as for every aborted request). Its resolvers run before
 * the application's post-matching authentication filters, so a {@code SecurityContext} principal is seen
 * only if a pre-matching filter or the container set it.
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
   * {@code HEADER_DECORATOR} and {@code USER} ones; response filters run in descending order, so where the
   * limiter has one (not on Jersey, where it ends requests after every response filter) it sees the status
   * that {@code USER} response filters leave.
   */
  public static final int PRIORITY = Priorities.AUTHORIZATION + 100;

  private final AdapterOptions settings;
  private final Set<String> bound = ConcurrentHashMap.newKeySet();

  private AgentLimiterFeature(AdapterOptions settings) {
    this.settings = settings;
  }

  /** A builder for a feature in front of {@code limiter}, every option at its default. */
  public static Builder builder(AgentLimiter limiter) {
    return new Builder(AdapterOptions.builder(Objects.requireNonNull(limiter, "limiter")), null);
  }

  /**
   * A builder for a feature with {@code options}, the options every adapter has, built already (a value
   * that may configure other features and servlet filters too). The feature has no option of its own, so
   * <b>every option refuses to be set on this builder</b> ({@link IllegalStateException}): nothing overrides
   * the value unseen. {@code AgentLimiterFeature.builder(options).build()} is the feature.
   *
   * @throws NullPointerException if {@code options} is null
   */
  public static Builder builder(AdapterOptions options) {
    return new Builder(null, Objects.requireNonNull(options, "options"));
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
    settings.adminEndpoint().ifPresent(admin -> context.register(new AdminFilter(admin, host), PRIORITY));
    context.register(new MethodBinder(settings, host, bound));
    return true;
  }

  /** The resource methods the limiter's filter is bound to, as {@code Class.method}; for tests. */
  Set<String> boundMethods() {
    return Collections.unmodifiableSet(bound);
  }

  /**
   * Configures an {@link AgentLimiterFeature}: the options every adapter has, held as an {@link
   * AdapterOptions.Builder}. Routes by path match the request path relative to the application's base URI
   * (below its {@code @ApplicationPath} or servlet mapping), percent-decoded, without matrix parameters or
   * a trailing slash, and apply only to resource methods without {@link AgentRateLimit} or {@link
   * RequireScope}: a method's annotations win, as a servlet's exact mapping wins over a prefix. A builder
   * made from a built {@link AdapterOptions} ({@link AgentLimiterFeature#builder(AdapterOptions)}) refuses
   * every option. Not thread-safe; each value is checked when it is set.
   */
  public static final class Builder {
    private final AdapterOptions.@Nullable Builder options; // null when given a built value
    private final @Nullable AdapterOptions given;

    private Builder(AdapterOptions.@Nullable Builder options, @Nullable AdapterOptions given) {
      this.options = options;
      this.given = given;
    }

    /** The shared options' builder, unless this builder was given a built value. */
    private AdapterOptions.Builder shared(String option) {
      return AdapterOptions.shared(options, option);
    }

    /** See {@link AdapterOptions.Builder#route(String, Route)}. */
    public Builder route(String pattern, Route route) {
      shared("route").route(pattern, route);
      return this;
    }

    /** See {@link AdapterOptions.Builder#route(String, String, Route)}. */
    public Builder route(@Nullable String method, String pattern, Route route) {
      shared("route").route(method, pattern, route);
      return this;
    }

    /** See {@link AdapterOptions.Builder#shadowRoute(String, String, Route)}. */
    public Builder shadowRoute(@Nullable String method, String pattern, Route route) {
      shared("shadowRoute").shadowRoute(method, pattern, route);
      return this;
    }

    /**
     * See {@link AdapterOptions.Builder#caseInsensitiveRoutes(boolean)}; it applies to routes by path only,
     * not to what Jakarta REST matches.
     */
    public Builder caseInsensitiveRoutes(boolean ignoreCase) {
      shared("caseInsensitiveRoutes").caseInsensitiveRoutes(ignoreCase);
      return this;
    }

    /** See {@link AdapterOptions.Builder#anonymousAnnotatedRoutes(boolean)}. */
    public Builder anonymousAnnotatedRoutes(boolean anonymous) {
      shared("anonymousAnnotatedRoutes").anonymousAnnotatedRoutes(anonymous);
      return this;
    }

    /** See {@link AdapterOptions.Builder#shadow(boolean)}: <b>not even an unauthenticated request is refused</b>. */
    public Builder shadow(boolean enabled) {
      shared("shadow").shadow(enabled);
      return this;
    }

    /** See {@link AdapterOptions.Builder#failOpen(boolean)}. */
    public Builder failOpen(boolean open) {
      shared("failOpen").failOpen(open);
      return this;
    }

    /** See {@link AdapterOptions.Builder#realm(String)}. */
    public Builder realm(String name) {
      shared("realm").realm(name);
      return this;
    }

    /** See {@link AdapterOptions.Builder#unavailableRetryAfter(Duration)}. */
    public Builder unavailableRetryAfter(Duration retryAfter) {
      shared("unavailableRetryAfter").unavailableRetryAfter(retryAfter);
      return this;
    }

    /**
     * See {@link AdapterOptions.Builder#adminEndpoint(AdminEndpoint)}: its base path is relative to the
     * application's base URI.
     */
    public Builder adminEndpoint(AdminEndpoint endpoint) {
      shared("adminEndpoint").adminEndpoint(endpoint);
      return this;
    }

    /**
     * The feature, with the options as set now (later changes to this builder do not reach it);
     * annotations are read as the implementation deploys each resource method.
     *
     * @throws IllegalArgumentException if two routes use one policy name for two different policies, or,
     *     matching ignoring case, two patterns differ only in case
     */
    public AgentLimiterFeature build() {
      AdapterOptions.Builder b = options;
      return new AgentLimiterFeature(b != null ? b.build() : Objects.requireNonNull(given));
    }
  }
}
