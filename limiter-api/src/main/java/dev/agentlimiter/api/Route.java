package dev.agentlimiter.api;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What an endpoint asks of the engine: the policies that limit it, the scopes it requires, whether it
 * serves anonymous callers, and the {@link RequestRules} its requests must satisfy. Adapters build one per
 * endpoint at startup (from {@link AgentRateLimit} and {@link RequireScope} annotations or a route table)
 * and pass it with every request to {@link AgentLimiter#admit(RequestView, Route)}.
 *
 * <p>By default a route <b>requires an identity</b>: a request no resolver identifies is refused with
 * {@link Reason#UNAUTHENTICATED}. {@link Builder#allowAnonymous()} lets such requests through keyed on
 * their client address, in the {@value #ANONYMOUS_TIER} tier. Immutable and thread-safe.
 */
public final class Route {

  /** The tier of anonymous callers, keyed on their client address. */
  public static final String ANONYMOUS_TIER = "anonymous";

  private final List<Policy> policies;
  private final Set<String> requiredScopes;
  private final boolean anonymous;
  private final RequestRules rules;

  private Route(List<Policy> policies, Set<String> requiredScopes, boolean anonymous, RequestRules rules) {
    this.policies = policies;
    this.requiredScopes = requiredScopes;
    this.anonymous = anonymous;
    this.rules = rules;
  }

  /** A builder for a route with no policy, no scope, identity required, and no request rules. */
  public static Builder builder() {
    return new Builder();
  }

  /** A route limited by the given policies, identity required, nothing else. */
  public static Route of(Policy... policies) {
    Builder b = builder();
    for (Policy p : policies) {
      b.policy(p);
    }
    return b.build();
  }

  /**
   * The route an endpoint's annotations declare, as every adapter reads them: {@link AgentRateLimit}s on
   * the endpoint (a method) replace those of its type, and several make several limits of one policy;
   * {@link RequireScope} on the endpoint replaces its type's. The policy is named {@code endpointName} when
   * the endpoint's own limits apply, {@code typeName} when the type's do (characters a policy name cannot
   * hold become {@code '_'}). Anonymous callers are served only if {@code anonymous} and no scope is
   * required.
   *
   * @return the route, or {@code null} if neither the endpoint nor its type carries an annotation
   * @throws IllegalArgumentException naming the limit, if an annotation is invalid
   */
  public static @Nullable Route fromAnnotations(
      AnnotatedElement endpoint, String endpointName, AnnotatedElement type, String typeName, boolean anonymous) {
    AgentRateLimit[] limits = endpoint.getAnnotationsByType(AgentRateLimit.class);
    String policyName = endpointName;
    if (limits.length == 0) {
      limits = type.getAnnotationsByType(AgentRateLimit.class);
      policyName = typeName;
    }
    RequireScope scopes = endpoint.getAnnotation(RequireScope.class);
    if (scopes == null) {
      scopes = type.getAnnotation(RequireScope.class);
    }
    if (limits.length == 0 && scopes == null) {
      return null;
    }
    Builder route = builder();
    if (limits.length > 0) {
      route.policy(Policy.fromAnnotations(policyName.replaceAll("[^A-Za-z0-9._-]", "_"), limits));
    }
    if (scopes != null) {
      for (String scope : scopes.value()) {
        route.requireScope(scope);
      }
    } else if (anonymous) {
      route.allowAnonymous();
    }
    return route.build();
  }

  /** The policies, in evaluation order (before tier overrides are applied). */
  public List<Policy> policies() {
    return policies;
  }

  /** The scopes a caller must hold, in declaration order. */
  public Set<String> requiredScopes() {
    return requiredScopes;
  }

  /** Whether callers with no credential are served, keyed on their client address. */
  public boolean allowsAnonymous() {
    return anonymous;
  }

  /** The rules a request's shape must satisfy. */
  public RequestRules rules() {
    return rules;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Route other
        && policies.equals(other.policies)
        && requiredScopes.equals(other.requiredScopes)
        && anonymous == other.anonymous
        && rules.equals(other.rules);
  }

  @Override
  public int hashCode() {
    return Objects.hash(policies, requiredScopes, anonymous, rules);
  }

  @Override
  public String toString() {
    return "Route[policies="
        + policies.stream().map(Policy::name).toList()
        + (requiredScopes.isEmpty() ? "" : ", scopes=" + requiredScopes)
        + (anonymous ? ", anonymous" : "")
        + (rules.isEmpty() ? "" : ", " + rules)
        + "]";
  }

  /** Builds a {@link Route}; validates each value at once. Not thread-safe. */
  public static final class Builder {
    private final List<Policy> policies = new ArrayList<>();
    private final Set<String> scopes = new LinkedHashSet<>();
    private boolean anonymous;
    private @Nullable RequestRules rules;

    private Builder() {}

    /**
     * Adds a policy.
     *
     * @throws IllegalArgumentException if a policy of the same name is already on the route
     */
    public Builder policy(Policy policy) {
      Objects.requireNonNull(policy, "policy");
      for (Policy p : policies) {
        if (p.name().equals(policy.name())) {
          throw new IllegalArgumentException("route: policy '" + policy.name() + "' is listed twice");
        }
      }
      policies.add(policy);
      return this;
    }

    /**
     * Requires a scope; see {@link RequireScope}.
     *
     * @throws IllegalArgumentException if it is not an RFC 6749 scope token of at most 128 characters, or
     *     is already required
     */
    public Builder requireScope(String scope) {
      if (!scopes.add(Grammar.checkScope("scope:", scope))) {
        throw new IllegalArgumentException("route: scope '" + scope + "' is listed twice");
      }
      return this;
    }

    /** Serves callers with no credential, keyed on their client address in the {@value #ANONYMOUS_TIER} tier. */
    public Builder allowAnonymous() {
      anonymous = true;
      return this;
    }

    /**
     * Sets the request rules (default {@link RequestRules#none()}).
     *
     * @throws IllegalStateException if already set
     */
    public Builder rules(RequestRules requestRules) {
      if (rules != null) {
        throw new IllegalStateException("route: rules were already set to " + rules);
      }
      rules = Objects.requireNonNull(requestRules, "rules");
      return this;
    }

    /** The route. */
    public Route build() {
      return new Route(
          List.copyOf(policies),
          Collections.unmodifiableSet(new LinkedHashSet<>(scopes)),
          anonymous,
          rules != null ? rules : RequestRules.none());
    }
  }
}
