package dev.agentlimiter.micrometer;

import static dev.agentlimiter.micrometer.Events.event;
import static dev.agentlimiter.micrometer.Events.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A listener is given events before and after it is bound: it never throws, and buffers nothing. */
class LifecycleTest {

  private static final List<LimiterEvent> EVERY_EVENT =
      List.of(
          new LimiterEvent.LoopDetected("a", "api", RequestFingerprint.of(1, 2), false, Duration.ofSeconds(1)),
          new LimiterEvent.BurstDetected("a", "api", 40, 20, false),
          new LimiterEvent.Quarantined("a", "default", "api", Duration.ofSeconds(30), 2, Reason.RATE_LIMITED),
          new LimiterEvent.QuarantineReleased("a", "default"),
          new LimiterEvent.ReputationChanged("a", "api", 100, 75),
          new LimiterEvent.BudgetExhausted("a", "tokens", 0, Duration.ofMinutes(5)),
          new LimiterEvent.PermitReclaimed("a", "api", Duration.ofMinutes(2)));

  @Test
  void eventsBeforeBindingAreDroppedAndEventsAfterAreCounted() {
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder(new FakeAdmin()).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    assertThatCode(() -> feed(metrics)).doesNotThrowAnyException();
    metrics.bindTo(registry);
    assertThat(sum(registry, AgentLimiterMetrics.DECISIONS)).isZero();
    assertThat(sum(registry, AgentLimiterMetrics.DETECTOR_EVENTS)).isZero();

    assertThatCode(() -> feed(metrics)).doesNotThrowAnyException();
    assertThat(sum(registry, AgentLimiterMetrics.DECISIONS)).isEqualTo(Reason.values().length);
    assertThat(sum(registry, AgentLimiterMetrics.DETECTOR_EVENTS)).isEqualTo(EVERY_EVENT.size()); // every one a detector event
    assertThat(registry.get(AgentLimiterMetrics.AUDIT_SUPPRESSED).counter().count()).isEqualTo(1.0);
  }

  @Test
  void theMeterNamesAreListedBeforeTheFirstEvent() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AgentLimiterMetrics.builder(new FakeAdmin()).build().bindTo(registry);

    // Timers per outcome, the two single counters, the two reload counters and the gauges (the
    // configuration's generation and the admin view's three) exist at once, so dashboards show 0.
    assertThat(registry.getMeters()).hasSize(3 + 2 + 2 + 1 + 3);
  }

  private static void feed(AgentLimiterMetrics metrics) {
    for (Reason reason : Reason.values()) {
      metrics.onDecision(event("agent-1", reason, "api").build());
    }
    for (LimiterEvent event : EVERY_EVENT) {
      metrics.onEvent(event);
    }
    metrics.recordAuditSuppressed(1);
  }
}
