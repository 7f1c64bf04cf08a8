package dev.agentlimiter.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Everything that is configuration, as one immutable value: policies by name, tier overrides, routes by
 * (method, pattern) with their scopes, request rules, anonymity and shadow mode, the credential-failure
 * limit, and how agents' state carries over when a policy changes. Built in code with {@link #builder()},
 * by the adapters from annotations, or from a policy file ({@code dev.agentlimiter.core.config.PolicyFiles});
 * whichever way, {@link Builder#build()} is the one place it is validated.
 *
 * <p>A limiter runs one {@code PolicySet} at a time, under a generation number that only goes up ({@link
 * LimiterAdmin#configuration()}); {@link LimiterAdmin#apply} replaces it atomically, and each request is
 * decided under one generation from start to end. Agents' state is keyed on policy names, so a policy
 * whose definition changes keeps its agents' tokens by its {@link StateInheritance}, and a policy that
 * leaves the configuration takes its state with it.
 *
 * <pre>{@code
 * PolicySet config = PolicySet.builder()
 *     .policy(Policy.named("search")
 *         .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"))
 *         .build())
 *     .policy(searchPro)
 *     .tierOverride("pro", "search", "search-pro")
 *     .route("GET", "/search/*", Route.builder().policy("search").build())
 *     .build();
 * }</pre>
 *
 * <p>Layers: {@link #overriddenBy} puts one set over another by name, as a policy file is put over the
 * code's configuration. Immutable and thread-safe.
 */
public final class PolicySet {

  private static final PolicySet EMPTY = new Builder().build();

  private final Map<String, Policy> policies;
  private final Map<String, Map<String, String>> tierOverrides;
  private final List<RouteRule> routes;
  private final @Nullable Limit credentialFailureLimit;
  private final @Nullable StateInheritance inheritance;
  private final Map<String, StateInheritance> inheritanceByPolicy;

  private PolicySet(Builder b) {
    this.policies = Collections.unmodifiableMap(new LinkedHashMap<>(b.policies));
    Map<String, Map<String, String>> tiers = new LinkedHashMap<>();
    b.tierOverrides.forEach(
        (tier, byName) -> tiers.put(tier, Collections.unmodifiableMap(new LinkedHashMap<>(byName))));
    this.tierOverrides = Collections.unmodifiableMap(tiers);
    this.routes = List.copyOf(b.routes);
    this.credentialFailureLimit = b.credentialFailureLimit;
    this.inheritance = b.inheritance;
    this.inheritanceByPolicy = Collections.unmodifiableMap(new LinkedHashMap<>(b.inheritanceByPolicy));
  }

  /** The configuration with nothing in it. */
  public static PolicySet empty() {
    return EMPTY;
  }

  /** A builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /** The policies, by name, in the order added. */
  public Map<String, Policy> policies() {
    return policies;
  }

  /** The policy of that name, if the set defines it. */
  public Optional<Policy> policy(String name) {
    return Optional.ofNullable(policies.get(name));
  }

  /**
   * The tier overrides: tier → the name of a policy → the name of the policy that replaces it for agents of
   * that tier, on every route that lists it.
   */
  public Map<String, Map<String, String>> tierOverrides() {
    return tierOverrides;
  }

  /** The routes, in the order added. */
  public List<RouteRule> routes() {
    return routes;
  }

  /** The limit on failed credentials per client address, if the set configures one. */
  public Optional<Limit> credentialFailureLimit() {
    return Optional.ofNullable(credentialFailureLimit);
  }

  /** How agents' tokens carry over a change of a policy that names no rule of its own (default {@link StateInheritance#AS_IS}). */
  public StateInheritance inheritance() {
    return inheritance != null ? inheritance : StateInheritance.AS_IS;
  }

  /** The rules set per policy, by policy name. */
  public Map<String, StateInheritance> inheritanceByPolicy() {
    return inheritanceByPolicy;
  }

  /** How the tokens of agents of {@code policy} carry over a change of its definition. */
  public StateInheritance inheritanceOf(String policy) {
    StateInheritance own = inheritanceByPolicy.get(policy);
    return own != null ? own : inheritance();
  }

  /** Whether nothing at all is configured. */
  public boolean isEmpty() {
    return policies.isEmpty()
        && tierOverrides.isEmpty()
        && routes.isEmpty()
        && credentialFailureLimit == null
        && inheritance == null
        && inheritanceByPolicy.isEmpty();
  }

  /**
   * This set with {@code top} over it, by name: a policy, a tier's override of one policy, a route of one
   * (method, pattern) as spelled, the credential-failure limit and the inheritance rules of {@code top}
   * replace this set's; everything else of both is kept. A route of this set that defines a policy
   * {@code top} defines otherwise keeps only the name, so that {@code top}'s definition applies there too.
   * This is how a policy file overrides the code's configuration.
   *
   * @throws IllegalArgumentException if the result is not valid (a tier override of this set whose
   *     replacement {@code top} does not define, say), naming why
   */
  public PolicySet overriddenBy(PolicySet top) {
    if (top.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return top;
    }
    Builder b = new Builder();
    Map<String, Policy> merged = new LinkedHashMap<>(policies);
    merged.putAll(top.policies);
    merged.values().forEach(b::policy);
    Map<String, Map<String, String>> tiers = new LinkedHashMap<>();
    tierOverrides.forEach((t, m) -> tiers.computeIfAbsent(t, x -> new LinkedHashMap<>()).putAll(m));
    top.tierOverrides.forEach((t, m) -> tiers.computeIfAbsent(t, x -> new LinkedHashMap<>()).putAll(m));
    tiers.forEach((t, m) -> m.forEach((replaced, replacement) -> b.tierOverride(t, replaced, replacement)));
    Map<String, RouteRule> byKey = new LinkedHashMap<>();
    for (RouteRule r : routes) {
      byKey.put(r.key(), naming(r, top.policies));
    }
    for (RouteRule r : top.routes) {
      byKey.put(r.key(), r);
    }
    for (RouteRule r : byKey.values()) {
      b.add(r);
    }
    Limit failures = top.credentialFailureLimit != null ? top.credentialFailureLimit : credentialFailureLimit;
    if (failures != null) {
      b.credentialFailureLimit(failures);
    }
    StateInheritance rule = top.inheritance != null ? top.inheritance : inheritance;
    if (rule != null) {
      b.inheritance(rule);
    }
    Map<String, StateInheritance> rules = new LinkedHashMap<>(inheritanceByPolicy);
    rules.putAll(top.inheritanceByPolicy);
    rules.forEach(b::inheritance);
    return b.build();
  }

  /**
   * {@code rule} with each policy its route defines itself, and that {@code redefined} defines otherwise,
   * only named: the top set's definition wins by name on this set's routes too.
   */
  private static RouteRule naming(RouteRule rule, Map<String, Policy> redefined) {
    Route route = rule.route;
    boolean changes = false;
    for (Policy p : route.policies()) {
      Policy top = redefined.get(p.name());
      changes |= top != null && !top.equals(p);
    }
    if (!changes) {
      return rule;
    }
    Route.Builder b = Route.builder();
    for (String name : route.policyNames()) {
      Policy own = route.definition(name);
      Policy top = redefined.get(name);
      if (own != null && (top == null || top.equals(own))) {
        b.policy(own);
      } else {
        b.policy(name);
      }
    }
    for (String scope : route.requiredScopes()) {
      b.requireScope(scope);
    }
    if (route.allowsAnonymous()) {
      b.allowAnonymous();
    }
    b.rules(route.rules());
    return new RouteRule(rule.method, rule.pattern, b.build(), rule.shadow);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PolicySet other
        && policies.equals(other.policies)
        && tierOverrides.equals(other.tierOverrides)
        && routes.equals(other.routes)
        && Objects.equals(credentialFailureLimit, other.credentialFailureLimit)
        && inheritance() == other.inheritance()
        && inheritanceByPolicy.equals(other.inheritanceByPolicy);
  }

  @Override
  public int hashCode() {
    return Objects.hash(policies, tierOverrides, routes, credentialFailureLimit, inheritance(), inheritanceByPolicy);
  }

  @Override
  public String toString() {
    return "PolicySet[policies="
        + policies.keySet()
        + (tierOverrides.isEmpty() ? "" : ", tierOverrides=" + tierOverrides)
        + (routes.isEmpty() ? "" : ", routes=" + routes)
        + (credentialFailureLimit == null ? "" : ", credentialFailureLimit=" + credentialFailureLimit)
        + (inheritance == null ? "" : ", inheritance=" + inheritance)
        + (inheritanceByPolicy.isEmpty() ? "" : ", inheritanceByPolicy=" + inheritanceByPolicy)
        + "]";
  }

  /**
   * One route of a {@link PolicySet}: a method (or every method), a servlet URL pattern, the {@link Route},
   * and whether its refusals are only reported ({@linkplain #shadow() shadow mode}). Immutable.
   */
  public static final class RouteRule {
    private final @Nullable String method;
    private final String pattern;
    private final Route route;
    private final boolean shadow;

    private RouteRule(@Nullable String method, String pattern, Route route, boolean shadow) {
      this.method = method;
      this.pattern = pattern;
      this.route = route;
      this.shadow = shadow;
    }

    /** The method, upper case; empty for every method. */
    public Optional<String> method() {
      return Optional.ofNullable(method);
    }

    /** The servlet URL pattern: {@code /exact}, {@code /prefix/*}, {@code *.ext} or {@code /}. */
    public String pattern() {
      return pattern;
    }

    /** The route. */
    public Route route() {
      return route;
    }

    /** Whether the route's refusals are reported and logged but never enforced. */
    public boolean shadow() {
      return shadow;
    }

    String key() {
      return (method == null ? "*" : method) + " " + pattern;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof RouteRule other
          && Objects.equals(method, other.method)
          && pattern.equals(other.pattern)
          && route.equals(other.route)
          && shadow == other.shadow;
    }

    @Override
    public int hashCode() {
      return Objects.hash(method, pattern, route, shadow);
    }

    @Override
    public String toString() {
      return (method == null ? "" : method + " ") + pattern + "=" + route + (shadow ? " (shadow)" : "");
    }
  }

  /**
   * Builds a {@link PolicySet}. Each value is checked when it is added; what depends on several ({@link
   * #build()}) when the set is built, with a message naming what is wrong. Not thread-safe.
   */
  public static final class Builder {
    private final Map<String, Policy> policies = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> tierOverrides = new LinkedHashMap<>();
    private final List<RouteRule> routes = new ArrayList<>();
    private @Nullable Limit credentialFailureLimit;
    private @Nullable StateInheritance inheritance;
    private final Map<String, StateInheritance> inheritanceByPolicy = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds a policy.
     *
     * @throws IllegalArgumentException if the set already has a policy of that name
     */
    public Builder policy(Policy policy) {
      Objects.requireNonNull(policy, "policy");
      if (policies.putIfAbsent(policy.name(), policy) != null) {
        throw new IllegalArgumentException("policy '" + policy.name() + "' is defined twice");
      }
      return this;
    }

    /**
     * Gives agents of {@code tier} the policy named {@code replacement} wherever a route lists the policy
     * named {@code replaced}. Anonymous callers are in the {@value Route#ANONYMOUS_TIER} tier.
     *
     * @throws IllegalArgumentException if the tier is blank, a name is not a name, the two names are the same
     *     (the replacement keeps state of its own, so it needs its own name), or the tier already overrides
     *     {@code replaced}
     */
    public Builder tierOverride(String tier, String replaced, String replacement) {
      Grammar.checkTier("tierOverride: tier", tier);
      Grammar.checkName("tierOverride '" + tier + "': policy", replaced);
      Grammar.checkName("tierOverride '" + tier + "': replacement", replacement);
      if (replaced.equals(replacement)) {
        throw new IllegalArgumentException(
            "tierOverride '" + tier + "': the replacement of policy '" + replaced
                + "' needs a name of its own");
      }
      Map<String, String> forTier = tierOverrides.computeIfAbsent(tier, t -> new LinkedHashMap<>());
      if (forTier.putIfAbsent(replaced, replacement) != null) {
        throw new IllegalArgumentException(
            "tierOverride '" + tier + "': policy '" + replaced + "' is already overridden");
      }
      return this;
    }

    /**
     * Adds a route for one method ({@code null}: every method) of a servlet URL pattern.
     *
     * @throws IllegalArgumentException if the method is not an HTTP token, the pattern is not a servlet URL
     *     pattern, or the same method and pattern already have a route
     */
    public Builder route(@Nullable String method, String pattern, Route route) {
      return add(rule(method, pattern, route, false));
    }

    /** {@link #route(String, String, Route)} for every method. */
    public Builder route(String pattern, Route route) {
      return route(null, pattern, route);
    }

    /**
     * Adds a route in shadow mode: decided and reported exactly as {@link #route} would, never enforced.
     *
     * @throws IllegalArgumentException as {@link #route(String, String, Route)}
     */
    public Builder shadowRoute(@Nullable String method, String pattern, Route route) {
      return add(rule(method, pattern, route, true));
    }

    private static RouteRule rule(@Nullable String method, String pattern, Route route, boolean shadow) {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(route, "route");
      String m = null;
      if (method != null) {
        m = Grammar.checkMethod("route " + pattern + ": method", method).toUpperCase(Locale.ROOT);
      }
      Grammar.checkRoutePattern("route", pattern);
      return new RouteRule(m, pattern, route, shadow);
    }

    Builder add(RouteRule rule) {
      for (RouteRule r : routes) {
        if (r.key().equals(rule.key())) {
          throw new IllegalArgumentException(
              "route " + (rule.method == null ? "" : rule.method + " ") + rule.pattern + " is mapped twice");
        }
      }
      routes.add(rule);
      return this;
    }

    /**
     * Sets the limit on failed credentials per client address.
     *
     * @throws IllegalStateException if already set
     */
    public Builder credentialFailureLimit(Limit limit) {
      if (credentialFailureLimit != null) {
        throw new IllegalStateException(
            "credentialFailureLimit was already set to " + credentialFailureLimit);
      }
      credentialFailureLimit = Objects.requireNonNull(limit, "limit");
      return this;
    }

    /**
     * Sets how agents' tokens carry over a change of a policy (default {@link StateInheritance#AS_IS}).
     *
     * @throws IllegalStateException if already set
     */
    public Builder inheritance(StateInheritance rule) {
      if (inheritance != null) {
        throw new IllegalStateException("inheritance was already set to " + inheritance);
      }
      inheritance = Objects.requireNonNull(rule, "inheritance");
      return this;
    }

    /**
     * Sets how the tokens of agents of one policy carry over a change of its definition.
     *
     * @throws IllegalArgumentException if the name is not a name
     * @throws IllegalStateException if already set for that policy
     */
    public Builder inheritance(String policy, StateInheritance rule) {
      Grammar.checkName("inheritance: policy", policy);
      Objects.requireNonNull(rule, "inheritance");
      StateInheritance earlier = inheritanceByPolicy.putIfAbsent(policy, rule);
      if (earlier != null) {
        throw new IllegalStateException(
            "inheritance of policy '" + policy + "' was already set to " + earlier);
      }
      return this;
    }

    /**
     * Builds the set.
     *
     * @throws IllegalArgumentException if a tier's replacement is not a policy of the set, a route lists a
     *     policy that neither the set nor the route defines, a route defines a policy of the set's name
     *     differently, two routes define one name differently, or an inheritance rule names a policy the
     *     set does not define
     */
    public PolicySet build() {
      tierOverrides.forEach(
          (tier, byName) ->
              byName.forEach(
                  (replaced, replacement) -> {
                    if (!policies.containsKey(replacement)) {
                      throw new IllegalArgumentException(
                          "tierOverride '" + tier + "': policy '" + replaced + "' is replaced by '"
                              + replacement + "', which is not a policy of the configuration; defined: "
                              + policies.keySet());
                    }
                  }));
      Map<String, Policy> inline = new LinkedHashMap<>();
      for (RouteRule r : routes) {
        String where = "route " + (r.method == null ? "" : r.method + " ") + r.pattern;
        for (Policy p : r.route.policies()) {
          Policy defined = policies.get(p.name());
          if (defined != null && !defined.equals(p)) {
            throw new IllegalArgumentException(
                where + ": policy '" + p.name() + "' differs from the configuration's policy of that name: "
                    + p + " vs " + defined + "; one name must mean one policy");
          }
          Policy earlier = inline.putIfAbsent(p.name(), p);
          if (earlier != null && !earlier.equals(p)) {
            throw new IllegalArgumentException(
                where + ": policy '" + p.name() + "' differs from another route's policy of that name: "
                    + p + " vs " + earlier + "; one name must mean one policy");
          }
        }
        for (String name : r.route.policyNames()) {
          if (!policies.containsKey(name) && !r.route.defines(name)) {
            throw new IllegalArgumentException(
                where + ": policy '" + name + "' is not defined; defined: " + policies.keySet());
          }
        }
      }
      for (String name : inheritanceByPolicy.keySet()) {
        if (!policies.containsKey(name)) {
          throw new IllegalArgumentException(
              "inheritance: policy '" + name + "' is not defined; defined: " + policies.keySet());
        }
      }
      return new PolicySet(this);
    }
  }
}
