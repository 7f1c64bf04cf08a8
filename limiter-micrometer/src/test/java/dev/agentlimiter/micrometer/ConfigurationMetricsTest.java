package dev.agentlimiter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.ConfigurationEvent;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code agentlimiter.config.reloads} and {@code agentlimiter.config.generation}, from configuration events. */
class ConfigurationMetricsTest {

  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
  private static final String FILE = "/etc/agentlimiter/policy.yaml";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private static ConfigurationEvent applied(long generation) {
    return new ConfigurationEvent(T0, true, generation, FILE, Optional.empty());
  }

  private static ConfigurationEvent refused(long generation) {
    return new ConfigurationEvent(
        T0, false, generation, FILE, Optional.of(FILE + ":3:7: /policies/api/limits/0/capacity: must be > 0"));
  }

  private double reloads(String outcome) {
    return registry.get(AgentLimiterMetrics.CONFIG_RELOADS).tag("outcome", outcome).counter().count();
  }

  private double generation() {
    return registry.get(AgentLimiterMetrics.CONFIG_GENERATION).gauge().value();
  }

  @Test
  void bothCountersAndTheGaugeExistFromBindingTheGaugeNaNUntilTheFirstEvent() {
    AgentLimiterMetrics.builder().build().bindTo(registry);

    assertThat(reloads("applied")).isZero();
    assertThat(reloads("refused")).isZero();
    assertThat(registry.find(AgentLimiterMetrics.CONFIG_RELOADS).counters()).hasSize(2);
    assertThat(generation()).isNaN();
  }

  @Test
  void eachEventIsCountedByOutcomeAndTheGaugeReadsTheGenerationRunning() {
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();
    metrics.bindTo(registry);

    metrics.onConfiguration(applied(2));
    assertThat(generation()).isEqualTo(2.0);
    metrics.onConfiguration(refused(2)); // refused: generation 2 keeps running
    metrics.onConfiguration(refused(2));
    metrics.onConfiguration(applied(3));

    assertThat(reloads("applied")).isEqualTo(2.0);
    assertThat(reloads("refused")).isEqualTo(2.0);
    assertThat(generation()).isEqualTo(3.0);
  }

  @Test
  void theGaugeNeverGoesBackOnEventsToldOutOfOrder() {
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();
    metrics.bindTo(registry);

    metrics.onConfiguration(applied(5));
    metrics.onConfiguration(applied(4)); // two applies racing to their listeners

    assertThat(generation()).isEqualTo(5.0);
  }

  @Test
  void beforeBindingTheCountIsDroppedAndTheGenerationKept() {
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();
    metrics.onConfiguration(applied(7));
    metrics.bindTo(registry);

    assertThat(reloads("applied")).isZero();
    assertThat(generation()).isEqualTo(7.0);
  }

  @Test
  void thePrefixAndTheCommonTagsApply() {
    AgentLimiterMetrics metrics =
        AgentLimiterMetrics.builder().prefix("agent.limiter").tags(Tags.of("service", "orders")).build();
    metrics.bindTo(registry);
    metrics.onConfiguration(refused(1));

    assertThat(
            registry.get("agent.limiter.config.reloads").tags("outcome", "refused", "service", "orders").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("agent.limiter.config.generation").tag("service", "orders").gauge().value())
        .isEqualTo(1.0);
  }
}
