package dev.agentlimiter.core.audit;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One line of each kind, parsed back and checked field by field: every field, and no other. */
class AuditLogLinesTest {

  private static final List<Object> LIMITS_ADMITTED =
      List.of(limit("burst", 20, 1, 12, 1), limit("hourly", 600, 3600, 588, 360));
  private static final List<Object> LIMITS_REFUSED =
      List.of(limit("burst", 20, 1, 0, 1), limit("hourly", 600, 3600, 587, 360));

  private static Map<String, Object> limit(String name, long quota, long window, long remaining, long reset) {
    return Map.of(
        "policy", "api", "limit", name, "quota", quota, "window_seconds", window, "remaining", remaining,
        "reset_seconds", reset);
  }

  /** The fields every decision line of {@link Events#http} has. */
  private static Map<String, Object> httpDecision(String outcome, String reason, long status) {
    Map<String, Object> m = new HashMap<>();
    m.put("@timestamp", "2026-11-23T10:15:30.250Z");
    m.put("event.kind", "event");
    m.put("event.category", List.of("web"));
    m.put("event.action", "agent-limiter-decision");
    m.put("event.outcome", outcome);
    m.put("event.reason", reason);
    m.put("http.request.method", "GET");
    m.put("http.request.id", "4bf92f3577b34da6a3ce929d0e0e4736");
    m.put("http.response.status_code", status);
    m.put("url.path", "/v1/orders/42");
    m.put("client.address", "192.0.2.7");
    m.put("user.id", "agent-7");
    m.put("agentlimiter.policies", List.of("api"));
    m.put("agentlimiter.lanes", List.of("api"));
    m.put("agentlimiter.route", "/v1/orders/*");
    m.put("agentlimiter.shadow", false);
    m.put("agentlimiter.limiter_time_ns", 18_250L);
    return m;
  }

  private static Map<String, Object> identified(Map<String, Object> m) {
    m.put("agentlimiter.tier", "free");
    m.put("agentlimiter.identity_source", "API_KEY");
    m.put("agentlimiter.policy", "api");
    return m;
  }

  @Test
  void anAdmissionWhenAdmissionsAreLogged() {
    try (AuditFixture audit = new AuditFixture(b -> b.logAdmissions(true))) {
      audit.log.onDecision(Events.admission().build());
      Map<String, Object> expected = identified(httpDecision("success", "allowed", 200));
      expected.put("agentlimiter.reason", "ALLOWED");
      expected.put("agentlimiter.limits", LIMITS_ADMITTED);
      assertThat(audit.only()).isEqualTo(expected);
      assertThat(audit.lines.levels()).containsExactly(Level.INFO);
    }
  }

  @Test
  void noAdmissionByDefault() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onDecision(Events.admission().build());
      audit.log.onDecision(Events.admission().shadow(true).build());
      assertThat(audit.flushed()).isEmpty();
      assertThat(audit.log.dropped()).isZero();
    }
  }

  @Test
  void aRefusal() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onDecision(Events.refusal().build());
      Map<String, Object> expected = identified(httpDecision("failure", "rate limited", 429));
      expected.put("agentlimiter.reason", "RATE_LIMITED");
      expected.put("agentlimiter.retry_after_seconds", 1L); // 450 ms, rounded up as Retry-After is
      expected.put("agentlimiter.limits", LIMITS_REFUSED);
      assertThat(audit.only()).isEqualTo(expected);
      assertThat(audit.lines.levels()).containsExactly(Level.WARN);
    }
  }

  @Test
  void aShadowRefusalIsAnAdmissionThatSaysWhatWouldHaveBeenRefused() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onDecision(Events.refusal().shadow(true).status(200).build());
      Map<String, Object> expected = identified(httpDecision("success", "rate limited", 200));
      expected.put("agentlimiter.reason", "RATE_LIMITED");
      expected.put("agentlimiter.retry_after_seconds", 1L);
      expected.put("agentlimiter.limits", LIMITS_REFUSED);
      expected.put("agentlimiter.shadow", true);
      assertThat(audit.only()).isEqualTo(expected);
      assertThat(audit.lines.levels()).containsExactly(Level.INFO);
    }
  }

  @Test
  void anIdentityFailureIsAnAuthenticationEventOfTheClientAddress() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onDecision(Events.unauthenticated().build());
      Map<String, Object> expected = httpDecision("failure", "a valid credential is required", 401);
      expected.put("event.category", List.of("authentication"));
      expected.put("user.id", "ip:192.0.2.7");
      expected.put("agentlimiter.reason", "UNAUTHENTICATED");
      expected.put("agentlimiter.cause", "expired");
      assertThat(audit.only()).isEqualTo(expected);
      assertThat(audit.lines.levels()).containsExactly(Level.WARN);
    }
  }

  @Test
  void theCredentialGuardsRefusalIsAnAuthenticationEventToo() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onDecision(Events.refusal("ip:192.0.2.7").cause("credential-failures-exhausted").build());
      assertThat(audit.only())
          .containsEntry("event.category", List.of("authentication"))
          .containsEntry("event.outcome", "failure")
          .containsEntry("agentlimiter.reason", "RATE_LIMITED")
          .containsEntry("agentlimiter.cause", "credential-failures-exhausted");
    }
  }

  @Test
  void aDecisionOutsideHttpHasNoHttpFields() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onDecision(
          DecisionEvent.builder()
              .time(Events.T0)
              .agent(Events.AGENT)
              .policies(List.of("api"))
              .lanes(List.of("api"))
              .decision(Decision.denied(Reason.CONCURRENCY_LIMITED, "api", Duration.ofSeconds(2)))
              .build());
      assertThat(audit.only())
          .isEqualTo(
              Map.ofEntries(
                  entry("@timestamp", "2026-11-23T10:15:30.250Z"),
                  entry("event.kind", "event"),
                  entry("event.category", List.of("web")),
                  entry("event.action", "agent-limiter-decision"),
                  entry("event.outcome", "failure"),
                  entry("event.reason", "concurrency limited"),
                  entry("user.id", "agent-7"),
                  entry("agentlimiter.reason", "CONCURRENCY_LIMITED"),
                  entry("agentlimiter.policy", "api"),
                  entry("agentlimiter.policies", List.of("api")),
                  entry("agentlimiter.lanes", List.of("api")),
                  entry("agentlimiter.tier", "free"),
                  entry("agentlimiter.identity_source", "API_KEY"),
                  entry("agentlimiter.retry_after_seconds", 2L),
                  entry("agentlimiter.shadow", false),
                  entry("agentlimiter.limiter_time_ns", 0L)));
    }
  }

  private static Map<String, Object> detector(String action, String reason, Map<String, Object> own) {
    Map<String, Object> m = new HashMap<>();
    m.put("@timestamp", "2026-11-23T10:15:30.250Z");
    m.put("event.kind", "event");
    m.put("event.category", List.of("web"));
    m.put("event.action", action);
    m.put("event.reason", reason);
    m.put("user.id", "agent-7");
    own.forEach((k, v) -> m.put("agentlimiter." + k, v));
    return m;
  }

  private static Map<String, Object> line(LimiterEvent event, Level level) {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onEvent(event);
      Map<String, Object> line = audit.only();
      assertThat(audit.lines.levels()).as("level").containsExactly(level);
      return line;
    }
  }

  @Test
  void loopDetected() {
    RequestFingerprint fp = RequestFingerprint.of(0x0123456789abcdefL, 0x0fedcba987654321L, false);
    assertThat(line(new LimiterEvent.LoopDetected("agent-7", "api", fp, true, Duration.ofMillis(4_200)), Level.WARN))
        .isEqualTo(
            detector(
                "loop-detected",
                "the agent repeated the same request past the error-loop threshold of policy 'api'",
                Map.of(
                    "policy", "api",
                    "fingerprint", "0123456789abcdef0fedcba987654321",
                    "error_loop", true,
                    "retry_after_seconds", 5L)));
  }

  @Test
  void burstDetected() {
    assertThat(line(new LimiterEvent.BurstDetected("agent-7", "api", 60, 40, true), Level.WARN))
        .isEqualTo(
            detector(
                "burst-detected",
                "the agent's short-window rate exceeded its baseline under policy 'api': 60 requests, threshold 40",
                Map.of("policy", "api", "requests_in_window", 60L, "threshold", 40L, "throttled", true)));
  }

  @Test
  void quarantined() {
    LimiterEvent e =
        new LimiterEvent.Quarantined("agent-7", "api", "api", Duration.ofMinutes(5), 2, Reason.LOOP_DETECTED);
    assertThat(line(e, Level.WARN))
        .isEqualTo(
            detector(
                "quarantined",
                "the agent was quarantined in lane 'api' for 300 s after loop-detected under policy 'api' (level 2)",
                Map.of(
                    "lane", "api", "policy", "api", "quarantine_seconds", 300L, "level", 2L,
                    "cause", "loop-detected")));
  }

  @Test
  void quarantineReleased() {
    assertThat(line(new LimiterEvent.QuarantineReleased("agent-7", "api"), Level.INFO))
        .isEqualTo(
            detector(
                "quarantine-released",
                "the agent was released from the penalty box of lane 'api'",
                Map.of("lane", "api")));
  }

  @Test
  void reputationChanged() {
    assertThat(line(new LimiterEvent.ReputationChanged("agent-7", "api", 100, 50), Level.INFO))
        .isEqualTo(
            detector(
                "reputation-changed",
                "the agent's reputation under policy 'api' went from 100% to 50%",
                Map.of("policy", "api", "reputation_from_percent", 100L, "reputation_to_percent", 50L)));
  }

  @Test
  void budgetExhausted() {
    LimiterEvent e = new LimiterEvent.BudgetExhausted("agent-7", "tokens", -120, Duration.ofHours(3).plusMillis(1));
    assertThat(line(e, Level.WARN))
        .isEqualTo(
            detector(
                "budget-exhausted",
                "the agent exhausted budget 'tokens' (balance -120)",
                Map.of("budget", "tokens", "balance", -120L, "reset_seconds", 10_801L)));
  }

  @Test
  void permitReclaimed() {
    assertThat(line(new LimiterEvent.PermitReclaimed("agent-7", "api", Duration.ofSeconds(31)), Level.WARN))
        .isEqualTo(
            detector(
                "permit-reclaimed",
                "a concurrency permit of policy 'api' was reclaimed after 31 s held",
                Map.of("policy", "api", "held_seconds", 31L)));
  }

  @Test
  void aConfigurationApplied() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onConfiguration(Events.configApplied());
      assertThat(audit.only())
          .isEqualTo(
              Map.of(
                  "@timestamp", "2026-11-23T10:15:30.250Z",
                  "event.kind", "event",
                  "event.category", List.of("configuration"),
                  "event.action", "config-applied",
                  "event.outcome", "success",
                  "agentlimiter.generation", 3L,
                  "agentlimiter.origin", "/etc/agentlimiter/policy.yaml"));
      assertThat(audit.lines.levels()).containsExactly(Level.INFO);
    }
  }

  @Test
  void aConfigurationRefused() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onConfiguration(Events.configRefused());
      assertThat(audit.only())
          .isEqualTo(
              Map.of(
                  "@timestamp", "2026-11-23T10:15:30.250Z",
                  "event.kind", "event",
                  "event.category", List.of("configuration"),
                  "event.action", "config-refused",
                  "event.outcome", "failure",
                  "event.reason", Events.CONFIG_ERROR,
                  "agentlimiter.generation", 3L,
                  "agentlimiter.origin", "/etc/agentlimiter/policy.yaml"));
      assertThat(audit.lines.levels()).containsExactly(Level.WARN);
    }
  }

  @Test
  void configurationLinesAreNeverFoldedAndTheirErrorIsCutAndRedacted() {
    try (AuditFixture audit = new AuditFixture()) {
      for (int i = 0; i < 3; i++) {
        audit.log.onConfiguration(Events.configRefused());
      }
      String longError = "/etc/p.yaml:1:1: /policies/a: " + "x".repeat(400);
      audit.log.onConfiguration(
          new ConfigurationEvent(Events.T0, false, 3, "/etc/p.yaml", Optional.of(longError)));
      audit.log.onConfiguration(
          new ConfigurationEvent(
              Events.T0, false, 3, "/etc/p.yaml", Optional.of("/etc/p.yaml:2:9: /key: eyJhbGciOiJIUzI1NiJ9.e30")));
      List<Map<String, Object>> lines = audit.flushed();
      assertThat(lines).hasSize(5);
      assertThat((String) lines.get(3).get("event.reason")).hasSize(256).endsWith("x\u2026");
      assertThat(lines.get(4)).containsEntry("event.reason", "[redacted]");
    }
  }

  @Test
  void aDetectorEventIsStampedWithTheLogsClockWhenTold() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.clock.advance(Duration.ofMillis(1_500));
      audit.log.onEvent(new LimiterEvent.QuarantineReleased("agent-7", "api"));
      audit.clock.advance(Duration.ofMinutes(1)); // the writer's time does not matter
      assertThat(audit.only()).containsEntry("@timestamp", "2026-11-23T10:15:31.750Z");
    }
  }

  @Test
  void everyLineIsPrintableAscii() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onDecision(
          Events.refusal("agent-\u00e9\u65e5\u2028\u202e\n\u007f\"\\").path("/caf\u00e9\ud83d\ude00").build());
      Map<String, Object> line = audit.only();
      assertThat(line)
          .containsEntry("user.id", "agent-\u00e9\u65e5\u2028\u202e\n\u007f\"\\")
          .containsEntry("url.path", "/caf\u00e9\ud83d\ude00");
      assertThat(audit.lines.raw().get(0)).matches("[\\x20-\\x7e]+");
    }
  }
}
