package dev.agentlimiter.api;

import java.util.List;

/**
 * Receives the limiter's events, for audit logs, metrics and live views: one {@link DecisionEvent} per
 * request, when it ends, and every detector's {@link LimiterEvent}. Called on the thread that ended the
 * request or caused the event; keep it fast, and never block on I/O in it (hand slow work to a queue of
 * your own, as the audit log does).
 *
 * <p><b>Anything a listener throws is caught, logged and never changes a decision</b>, {@link Error}s such
 * as {@link AssertionError} included; only a {@link VirtualMachineError} is rethrown to the caller, and
 * only after the request's permits and reservations have been released. Several listeners compose with
 * {@link #of}.
 */
public interface LimiterListener {

  /**
   * Called exactly once per request, when it ends: for every outcome of {@link AgentLimiter#decide},
   * {@link AgentLimiter#enter} and {@link AgentLimiter#admit}, refusals before any policy included.
   * {@link AgentLimiter#tryAcquire} of a policy without defences, the fast path, tells no listener.
   */
  default void onDecision(DecisionEvent event) {}

  /**
   * Whether this listener wants the decision events of admitted requests (default {@code true}). When no
   * installed listener does (the audit log without {@code logAdmissions}, say), the limiter builds no
   * event for an admission at all, so that the allowed path costs nothing more; refusals, shadow
   * refusals included, are always told. Read once, when the limiter is built.
   */
  default boolean takesAdmissions() {
    return true;
  }

  /** Called for every detector event: loops, bursts, quarantines, reputation, budgets, the leak guard. */
  default void onEvent(LimiterEvent event) {}

  /**
   * Called when a configuration is applied or refused ({@link LimiterAdmin#apply}, a policy file's
   * reload), on the thread that applied it, one event at a time, after the configuration is in force.
   * Two configurations applied at once may be told in either order: each event carries its generation.
   * What a listener throws is logged and changes nothing.
   */
  default void onConfiguration(ConfigurationEvent event) {}

  /** A listener that ignores every event. */
  static LimiterListener noop() {
    return NoopListener.INSTANCE;
  }

  /**
   * A listener that tells each of {@code listeners}, in order, every event. One that throws is logged and
   * skipped: the others are still told (a {@link VirtualMachineError} is rethrown after all were told).
   */
  static LimiterListener of(LimiterListener... listeners) {
    List<LimiterListener> all = List.of(listeners);
    return all.size() == 1 ? all.get(0) : new CompositeListener(all);
  }
}
