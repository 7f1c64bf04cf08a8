package dev.agentlimiter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The three gauges read the limiter's admin view, given at build time or attached later. */
class GaugesTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FakeAdmin admin = new FakeAdmin();

  @Test
  void theGaugesReadTheAdminViewAtEachScrape() {
    AgentLimiterMetrics.builder(admin).build().bindTo(registry);

    assertGauges(0, 0, 0);
    admin.trackedAgents = 1_234;
    admin.requestsInFlight = 17;
    admin.quarantine("agent-1", "default");
    admin.quarantine("agent-1", "writes");
    admin.quarantine("agent-2", "default");
    assertGauges(1_234, 3, 17);
    admin.releaseAll();
    admin.requestsInFlight = 0;
    assertGauges(1_234, 0, 0);
  }

  @Test
  void anAdminAttachedAfterBindingRegistersTheGaugesThen() {
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();
    metrics.bindTo(registry);
    assertThat(registry.find(AgentLimiterMetrics.AGENTS_TRACKED).gauge()).isNull();

    admin.trackedAgents = 5;
    metrics.attach(admin);

    assertGauges(5, 0, 0);
  }

  @Test
  void anAdminAttachedBeforeBindingRegistersTheGaugesOnBinding() {
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();
    admin.requestsInFlight = 2;
    metrics.attach(admin);
    assertThat(registry.getMeters()).isEmpty();

    metrics.bindTo(registry);

    assertGauges(0, 0, 2);
  }

  @Test
  void withoutAnAdminThereAreNoGauges() {
    AgentLimiterMetrics.builder(null).build().bindTo(registry);

    assertThat(registry.find(AgentLimiterMetrics.AGENTS_TRACKED).gauges()).isEmpty();
    assertThat(registry.find(AgentLimiterMetrics.AGENTS_QUARANTINED).gauges()).isEmpty();
    assertThat(registry.find(AgentLimiterMetrics.REQUESTS_IN_FLIGHT).gauges()).isEmpty();
  }

  @Test
  void anAdminIsGivenOnce() {
    AgentLimiterMetrics fromBuilder = AgentLimiterMetrics.builder(admin).build();
    assertThatThrownBy(() -> fromBuilder.attach(new FakeAdmin()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("admin was already attached");

    AgentLimiterMetrics attached = AgentLimiterMetrics.builder().build();
    attached.attach(admin);
    assertThatThrownBy(() -> attached.attach(admin)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anAdminThatFailsReadsNaN() {
    AgentLimiterMetrics.builder(admin).build().bindTo(registry);
    admin.failing = true;

    assertThat(gauge(registry, AgentLimiterMetrics.AGENTS_TRACKED)).isNaN();
    assertThat(gauge(registry, AgentLimiterMetrics.AGENTS_QUARANTINED)).isNaN();
    assertThat(gauge(registry, AgentLimiterMetrics.REQUESTS_IN_FLIGHT)).isNaN();
  }

  private void assertGauges(double tracked, double quarantined, double inFlight) {
    assertThat(gauge(registry, AgentLimiterMetrics.AGENTS_TRACKED)).isEqualTo(tracked);
    assertThat(gauge(registry, AgentLimiterMetrics.AGENTS_QUARANTINED)).isEqualTo(quarantined);
    assertThat(gauge(registry, AgentLimiterMetrics.REQUESTS_IN_FLIGHT)).isEqualTo(inFlight);
  }

  static double gauge(MeterRegistry registry, String name) {
    return registry.get(name).gauge().value();
  }
}
