package dev.agentlimiter.core;

import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Keeps every event and decision. Thread-safe. */
public final class RecordingListener implements LimiterListener {

  final Collection<LimiterEvent> events = new ConcurrentLinkedQueue<>();
  final Collection<Decision> decisions = new ConcurrentLinkedQueue<>();
  /** Every decision event, one per request. */
  public final Collection<DecisionEvent> requests = new ConcurrentLinkedQueue<>();

  @Override
  public void onDecision(DecisionEvent event) {
    requests.add(event);
    decisions.add(event.decision());
  }

  @Override
  public void onEvent(LimiterEvent event) {
    events.add(event);
  }

  <T extends LimiterEvent> List<T> of(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
