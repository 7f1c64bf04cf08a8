package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.AppliedConfiguration;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.RouteTable;
import java.time.Instant;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One generation of the configuration: the effective {@link PolicySet} with each of its policies bound to
 * its state, the tier overrides resolved to bound policies, the credential-failure policy and the
 * configured routes as a table. Immutable; the engine replaces its current snapshot atomically, and a
 * request reads it once, so it is decided under one generation from start to end.
 */
public final class Snapshot {

  final long generation;
  final String origin;
  final Instant appliedAt;
  final PolicySet applied;
  final PolicySet effective;
  /** The configuration's policies by name. */
  final Map<String, BoundPolicy> bound;
  /** Tier → name of the replaced policy → its replacement. */
  final Map<String, Map<String, BoundPolicy>> tiers;
  final BoundPolicy credentialFailures;
  private final RouteTable routes;
  private final Set<Route> shadowed;

  Snapshot(
      long generation,
      String origin,
      Instant appliedAt,
      PolicySet applied,
      PolicySet effective,
      Map<String, BoundPolicy> bound,
      Map<String, Map<String, BoundPolicy>> tiers,
      BoundPolicy credentialFailures,
      RouteTable routes) {
    this.generation = generation;
    this.origin = origin;
    this.appliedAt = appliedAt;
    this.applied = applied;
    this.effective = effective;
    this.bound = bound;
    this.tiers = tiers;
    this.credentialFailures = credentialFailures;
    this.routes = routes;
    Set<Route> shadow = Collections.newSetFromMap(new IdentityHashMap<>());
    for (PolicySet.RouteRule r : effective.routes()) {
      if (r.shadow()) {
        shadow.add(r.route());
      }
    }
    this.shadowed = Collections.unmodifiableSet(shadow);
  }

  /** The generation, which only goes up. */
  public long generation() {
    return generation;
  }

  /** The effective configuration. */
  public PolicySet effective() {
    return effective;
  }

  /** The configuration's routes by path, matching case (empty if it has none). */
  public RouteTable routes() {
    return routes;
  }

  /** Whether {@code route} is one of the configuration's routes in shadow mode. */
  public boolean shadows(Route route) {
    return !shadowed.isEmpty() && shadowed.contains(route);
  }

  /** The configuration's bound policy of that name, or {@code null}. */
  @Nullable BoundPolicy policy(String name) {
    return bound.get(name);
  }

  AppliedConfiguration info() {
    return new AppliedConfiguration(generation, origin, appliedAt, applied, effective);
  }
}
