package dev.agentlimiter.api;

/**
 * Receives the engine's events, for audit logs and metrics. Called on the deciding thread, after the
 * decision; keep it fast and non-blocking. <b>Anything a listener throws is caught, logged and never
 * changes a decision</b>, {@link Error}s such as {@link AssertionError} included; only a {@link
 * VirtualMachineError} is rethrown to the caller, and only after the request's permits and reservations
 * have been released.
 */
public interface LimiterListener {

  /** Called once for every decision made by {@link AgentLimiter#decide} or {@link AgentLimiter#enter}. */
  default void onDecision(AgentRequest request, Decision decision) {}

  /** Called for every detector event: loops, bursts, quarantines, reputation, budgets, the leak guard. */
  default void onEvent(LimiterEvent event) {}

  /** A listener that ignores every event. */
  static LimiterListener noop() {
    return NoopListener.INSTANCE;
  }
}
