package dev.agentlimiter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Offender;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.audit.AuditLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's observability example, run as written: the metrics and the audit log composed as the
 * limiter's listener, the gauges attached, the top offenders read. The README must show these lines.
 */
class ObservabilityReadmeTest {

  @Test
  void theReadmeExampleRunsAndCounts() throws IOException {
    MeterRegistry meterRegistry = new SimpleMeterRegistry();

    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();      // limiter-micrometer
    AuditLog audit = AuditLog.builder().onSuppressed(metrics::recordAuditSuppressed).build();
    AgentLimiter limiter = AgentLimiters.newBuilder()
        .listener(LimiterListener.of(metrics, audit))
        .build();
    metrics.attach(limiter.admin());
    metrics.bindTo(meterRegistry);

    Policy orders = Policy.named("orders").limit(Limit.capacity(3).refill(3).per(Duration.ofHours(1))).build();
    AgentIdentity looper = AgentIdentity.of("looper", IdentitySource.API_KEY);
    for (int i = 0; i < 10; i++) {
      limiter.decide(AgentRequest.of(looper, orders));
    }
    List<Offender> top = limiter.admin().topOffenders(10);   // the agents refused most often, with their state now
    audit.close();

    assertThat(top).extracting(Offender::agentId).containsExactly("looper");
    assertThat(top.get(0).refusals()).isEqualTo(7);
    // requests are counted while the sketch watches the agent: from its first refusal on
    assertThat(top.get(0).requests()).isEqualTo(7);
    assertThat(meterRegistry.get(AgentLimiterMetrics.DECISIONS).tag("outcome", "refused").counter().count())
        .isEqualTo(7.0);
    assertThat(meterRegistry.get(AgentLimiterMetrics.DECISIONS).tag("outcome", "allowed").counter().count())
        .isEqualTo(3.0);
    assertThat(meterRegistry.get("agentlimiter.agents.tracked").gauge().value()).isEqualTo(1.0);

    String readme = Files.readString(Path.of("..", "README.md"));
    for (String line : List.of(
        "AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();      // limiter-micrometer",
        "AuditLog audit = AuditLog.builder().onSuppressed(metrics::recordAuditSuppressed).build();",
        "    .listener(LimiterListener.of(metrics, audit))",
        "metrics.attach(limiter.admin());",
        "metrics.bindTo(meterRegistry);",
        "limiter.admin().topOffenders(10);   // the agents refused most often, with their state now")) {
      assertThat(readme).contains(line);
    }
  }
}
