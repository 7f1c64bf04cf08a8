package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.RequireScope;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.AdapterBuilder;
import dev.agentlimiter.core.http.AdapterOptions;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.core.Feature;
import jakarta.ws.rs.core.FeatureContext;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
 * <p>With an {@linkplain AdapterBuilder#adminEndpoint admin endpoint} (none by default), the feature also
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
    settings.adminEndpoint().ifPresent(admin -> context.register(new AdminFilter(admin, host), PRIORITY));
    context.register(new MethodBinder(settings, host, bound));
    return true;
  }

  /** The resource methods the limiter's filter is bound to, as {@code Class.method}; for tests. */
  Set<String> boundMethods() {
    return Collections.unmodifiableSet(bound);
  }

  /**
   * Configures an {@link AgentLimiterFeature}: the options every adapter has ({@link AdapterBuilder}).
   * Routes by path match the request path relative to the application's base URI (below its {@code
   * @ApplicationPath} or servlet mapping), percent-decoded, without matrix parameters or a trailing slash,
   * and apply only to resource methods without {@link AgentRateLimit} or {@link RequireScope}: a method's
   * annotations win, as a servlet's exact mapping wins over a prefix. Not thread-safe; each value is checked
   * when it is set.
   */
  public static final class Builder extends AdapterBuilder<Builder> {

    private Builder(AgentLimiter limiter) {
      super(limiter);
    }

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * The feature; annotations are read as the implementation deploys each resource method.
     *
     * @throws IllegalArgumentException if two routes use one policy name for two different policies
     */
    public AgentLimiterFeature build() {
      return new AgentLimiterFeature(options());
    }
  }
}
