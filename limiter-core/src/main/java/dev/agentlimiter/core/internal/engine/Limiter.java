package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@link AgentLimiter} users get from {@link AgentLimiters}: a facade that owns the engine (the policy
 * steps), the HTTP gate (the steps before the policies) and the operator's view, and delegates to them.
 * Nothing below it refers back up to it. Thread-safe.
 */
public final class Limiter implements AgentLimiter {

  /** The decision core; public (in an unexported package) for the tests that read its tables. */
  public final Engine engine;

  /**
   * The HTTP steps before the policies; public (in an unexported package) for the admin endpoint's
   * credential guard.
   */
  public final HttpGate gate;

  private final EngineAdmin admin;

  public Limiter(Engine engine, HttpGate gate, EngineAdmin admin) {
    this.engine = engine;
    this.gate = gate;
    this.admin = admin;
  }

  @Override
  public Decision decide(AgentRequest request) {
    return engine.decide(Objects.requireNonNull(request, "request"));
  }

  @Override
  public Admission enter(AgentRequest request) {
    return engine.enter(Objects.requireNonNull(request, "request"));
  }

  @Override
  public Admission admit(RequestView request, Route route) {
    return admit(request, route, null, false);
  }

  /**
   * {@link #admit(RequestView, Route)} with what an adapter knows beyond the request: the route's pattern
   * and whether its refusals are only reported (shadow), both for the decision event.
   */
  public Exchange admit(RequestView request, Route route, @Nullable String pattern, boolean shadow) {
    return admit(request, route, pattern, shadow, engine.current());
  }

  /**
   * {@link #admit(RequestView, Route, String, boolean)} under the configuration {@code snapshot}, the one
   * the adapter found the route in: the request is decided under that one generation from start to end.
   */
  public Exchange admit(
      RequestView request, Route route, @Nullable String pattern, boolean shadow, Snapshot snapshot) {
    return gate.admit(
        Objects.requireNonNull(request, "request"), Objects.requireNonNull(route, "route"), pattern, shadow,
        Objects.requireNonNull(snapshot, "snapshot"));
  }

  /** The configuration running now. */
  public Snapshot snapshot() {
    return engine.current();
  }

  /**
   * Registers an adapter's routes: the policies they define join the code layer, and the names they only
   * name must be defined by this and every later configuration.
   *
   * @throws IllegalArgumentException if a route names a policy the configuration does not define
   */
  public void register(Iterable<Route> routes) {
    engine.register(routes);
  }

  /**
   * Tells the listener a {@link dev.agentlimiter.api.ConfigurationEvent} that a configuration from {@code
   * origin} was refused before it reached the engine (a policy file that does not parse); the running one
   * is kept.
   */
  public void configurationRefused(String origin, String error) {
    engine.refused(Objects.requireNonNull(origin, "origin"), Objects.requireNonNull(error, "error"));
  }

  @Override
  public void report(AgentIdentity agent, Policy policy, Outcome outcome) {
    engine.report(agent, policy, outcome);
  }

  @Override
  public boolean tryAcquire(AgentIdentity agent, Policy policy) {
    return engine.tryAcquire(agent, policy);
  }

  @Override
  public LimiterAdmin admin() {
    return admin;
  }

  @Override
  public String toString() {
    return "AgentLimiter[tracked=" + admin.trackedAgents() + "]";
  }
}
