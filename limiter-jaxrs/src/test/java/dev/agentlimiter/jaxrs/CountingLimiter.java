package dev.agentlimiter.jaxrs;

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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the HTTP admissions the adapter asks for, per request path, then delegates. */
final class CountingLimiter implements AgentLimiter {

  private final AgentLimiter delegate;
  private final Map<String, AtomicInteger> enters = new ConcurrentHashMap<>();

  CountingLimiter(AgentLimiter delegate) {
    this.delegate = delegate;
  }

  /** How often {@link #admit(RequestView, Route)} was called for {@code path}. */
  int enters(String path) {
    AtomicInteger n = enters.get(path);
    return n == null ? 0 : n.get();
  }

  @Override
  public Admission admit(RequestView request, Route route) {
    enters.computeIfAbsent(request.path(), p -> new AtomicInteger()).incrementAndGet();
    return delegate.admit(request, route);
  }

  @Override
  public Decision decide(AgentRequest request) {
    return delegate.decide(request);
  }

  @Override
  public Admission enter(AgentRequest request) {
    return delegate.enter(request);
  }

  @Override
  public void report(AgentIdentity agent, Policy policy, Outcome outcome) {
    delegate.report(agent, policy, outcome);
  }

  @Override
  public boolean tryAcquire(AgentIdentity agent, Policy policy) {
    return delegate.tryAcquire(agent, policy);
  }

  @Override
  public LimiterAdmin admin() {
    return delegate.admin();
  }
}
