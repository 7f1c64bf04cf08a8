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
  private final List<String> policyNames;
  private final Set<String> requiredScopes;
  private final boolean anonymous;
  private final RequestRules rules;

  private Route(
      List<Policy> policies, List<String> policyNames, Set<String> requiredScopes, boolean anonymous,
      RequestRules rules) {
    this.policies = policies;
    this.policyNames = policyNames;
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
   * {@link AgentPolicy} on the endpoint replaces its type's, and its names follow that policy, to be
   * defined by the limiter's configuration; {@link RequireScope} on the endpoint replaces its type's. The policy is named {@code endpointName} when
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
    AgentPolicy named = endpoint.getAnnotation(AgentPolicy.class);
    if (named == null) {
      named = type.getAnnotation(AgentPolicy.class);
    }
    RequireScope scopes = endpoint.getAnnotation(RequireScope.class);
    if (scopes == null) {
      scopes = type.getAnnotation(RequireScope.class);
    }
    if (limits.length == 0 && scopes == null && named == null) {
      return null;
    }
    Builder route = builder();
    if (limits.length > 0) {
      route.policy(Policy.fromAnnotations(policyName.replaceAll("[^A-Za-z0-9._-]", "_"), limits));
    }
    if (named != null) {
      if (named.value().length == 0) {
        throw new IllegalArgumentException("@AgentPolicy on " + endpointName + ": names no policy");
      }
      for (String name : named.value()) {
        try {
          route.policy(name);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("@AgentPolicy on " + endpointName + ": " + e.getMessage(), e);
        }
      }
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

  /**
   * The policies the route defines itself, in evaluation order (before the configuration's definitions
   * of the same names and tier overrides are applied). {@link #policyNames()} may list more: those the
   * route only names ({@link Builder#policy(String)}), defined by the limiter's {@link PolicySet}.
   */
  public List<Policy> policies() {
    return policies;
  }

  /**
   * The names of every policy of the route, defined on it or only named, in evaluation order. The limiter
   * decides each name under its current configuration's policy of that name if it has one (a policy file
   * overrides the code by name), else under the route's own definition.
   */
  public List<String> policyNames() {
    return policyNames;
  }

  /** Whether the route defines the policy {@code name} itself, rather than only naming it. */
  public boolean defines(String name) {
    for (int i = 0; i < policies.size(); i++) {
      if (policies.get(i).name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** The route's own definition of the policy {@code name}, or {@code null} if it only names it. */
  public @Nullable Policy definition(String name) {
    for (int i = 0; i < policies.size(); i++) {
      Policy p = policies.get(i);
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
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
        && policyNames.equals(other.policyNames)
        && requiredScopes.equals(other.requiredScopes)
        && anonymous == other.anonymous
        && rules.equals(other.rules);
  }

  @Override
  public int hashCode() {
    return Objects.hash(policies, policyNames, requiredScopes, anonymous, rules);
  }

  @Override
  public String toString() {
    return "Route[policies="
        + policyNames
        + (requiredScopes.isEmpty() ? "" : ", scopes=" + requiredScopes)
        + (anonymous ? ", anonymous" : "")
        + (rules.isEmpty() ? "" : ", " + rules)
        + "]";
  }

  /** Builds a {@link Route}; validates each value at once. Not thread-safe. */
  public static final class Builder {
    private final List<Policy> policies = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
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
      listOnce(policy.name());
      policies.add(policy);
      return this;
    }

    /**
     * Adds a policy by name only, to be defined by the limiter's configuration ({@link PolicySet}, in code
     * or in a policy file): the adapter refuses to start if the configuration does not define it.
     *
     * @throws IllegalArgumentException if it is not a name, or a policy of that name is already on the route
     */
    public Builder policy(String name) {
      listOnce(Grammar.checkName("route: policy", name));
      return this;
    }

    private void listOnce(String name) {
      if (names.contains(name)) {
        throw new IllegalArgumentException("route: policy '" + name + "' is listed twice");
      }
      names.add(name);
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
          List.copyOf(names),
          Collections.unmodifiableSet(new LinkedHashSet<>(scopes)),
          anonymous,
          rules != null ? rules : RequestRules.none());
    }
  }
}
