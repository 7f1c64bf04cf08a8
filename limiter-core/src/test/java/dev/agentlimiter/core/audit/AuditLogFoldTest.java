package dev.agentlimiter.core.audit;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.agentlimiter.api.LimiterEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The audit log limits itself: repeats of one (agent, reason, route) within the window make one fold line. */
class AuditLogFoldTest {

  private static long suppressed(Map<String, Object> line) {
    return (Long) line.getOrDefault("agentlimiter.suppressed", 0L);
  }

  @Test
  void aThousandIdenticalRefusalsMakeOneLineAndOneFoldLine() {
    List<Long> counted = new CopyOnWriteArrayList<>();
    try (AuditFixture audit = new AuditFixture(b -> b.onSuppressed(counted::add))) {
      for (int i = 0; i < 1_000; i++) {
        audit.log.onDecision(Events.refusal().time(Events.T0.plusMillis(i)).build());
      }
      assertThat(audit.flushed()).hasSize(1); // the window is open: the repeats are counted, not written
      assertThat(counted).isEmpty();

      audit.clock.advance(Duration.ofSeconds(10)); // the window ends
      List<Map<String, Object>> lines = audit.flushed();
      assertThat(lines).hasSize(2);
      assertThat(suppressed(lines.get(0))).isZero();
      assertThat(lines.get(1))
          .isEqualTo(
              Map.ofEntries(
                  entry("@timestamp", "2026-11-23T10:15:31.249Z"),
                  entry("event.kind", "event"),
                  entry("event.category", List.of("web")),
                  entry("event.action", "agent-limiter-decision"),
                  entry("event.outcome", "failure"),
                  entry("event.reason", "999 repeats within the fold window, not written one by one"),
                  entry("event.start", "2026-11-23T10:15:30.251Z"),
                  entry("event.end", "2026-11-23T10:15:31.249Z"),
                  entry("user.id", "agent-7"),
                  entry("agentlimiter.reason", "RATE_LIMITED"),
                  entry("agentlimiter.route", "/v1/orders/*"),
                  entry("agentlimiter.shadow", false),
                  entry("agentlimiter.suppressed", 999L),
                  entry("agentlimiter.fold_scope", "agent")));
      assertThat(audit.lines.levels()).containsExactly(Level.WARN, Level.WARN);
      assertThat(counted).containsExactly(999L);
      assertThat(audit.log.dropped()).isZero();
    }
  }

  @Test
  void theNextEventAfterTheWindowWritesTheFoldLineThenItself() {
    try (AuditFixture audit = new AuditFixture()) {
      for (int i = 0; i < 5; i++) {
        audit.log.onDecision(Events.refusal().build());
      }
      audit.log.onDecision(Events.refusal().time(Events.T0.plusSeconds(10)).requestId("next").build());
      List<Map<String, Object>> lines = audit.flushed();
      assertThat(lines).extracting(AuditLogFoldTest::suppressed).containsExactly(0L, 4L, 0L);
      assertThat(lines.get(2)).containsEntry("http.request.id", "next");
      assertThat(audit.log.foldKeys()).isOne(); // the new window
    }
  }

  @Test
  void aWindowIsNotStretchedByItsRepeats() {
    try (AuditFixture audit = new AuditFixture(b -> b.foldWindow(Duration.ofSeconds(2)))) {
      for (int ms = 0; ms <= 4_000; ms += 500) { // 0, 0.5 … 4 s: windows [0, 2), [2, 4), [4, 6)
        audit.log.onDecision(Events.refusal().time(Events.T0.plusMillis(ms)).build());
      }
      assertThat(audit.flushed()).extracting(AuditLogFoldTest::suppressed).containsExactly(0L, 3L, 0L, 3L, 0L);
    }
  }

  @Test
  void agentsReasonsRoutesAndShadowFoldApart() {
    try (AuditFixture audit = new AuditFixture()) {
      for (int i = 0; i < 3; i++) {
        audit.log.onDecision(Events.refusal().build());
        audit.log.onDecision(Events.refusal("agent-8").build());
        audit.log.onDecision(Events.refusal().route("/v1/invoices/*").build());
        audit.log.onDecision(Events.refusal().shadow(true).build());
        audit.log.onDecision(Events.unauthenticated().build());
        audit.log.onEvent(new LimiterEvent.ReputationChanged("agent-7", "api", 100, 50));
        audit.log.onEvent(new LimiterEvent.ReputationChanged("agent-7", "api-pro", 100, 50));
      }
      assertThat(audit.flushed()).hasSize(7);
      assertThat(audit.log.foldKeys()).isEqualTo(7);
      audit.clock.advance(Duration.ofSeconds(10));
      List<Map<String, Object>> lines = audit.flushed();
      assertThat(lines.subList(7, lines.size())).hasSize(7).allMatch(l -> suppressed(l) == 2);
      assertThat(audit.log.foldKeys()).isZero();
    }
  }

  @Test
  void aDetectorEventsFoldLineNamesItsScope() {
    try (AuditFixture audit = new AuditFixture()) {
      for (int i = 0; i < 3; i++) {
        audit.log.onEvent(new LimiterEvent.ReputationChanged("agent-7", "api", 100 - i, 99 - i));
      }
      audit.clock.advance(Duration.ofSeconds(10));
      List<Map<String, Object>> lines = audit.flushed();
      assertThat(lines).hasSize(2);
      assertThat(lines.get(1))
          .isEqualTo(
              Map.ofEntries(
                  entry("@timestamp", "2026-11-23T10:15:30.250Z"),
                  entry("event.kind", "event"),
                  entry("event.category", List.of("web")),
                  entry("event.action", "reputation-changed"),
                  entry("event.reason", "2 repeats within the fold window, not written one by one"),
                  entry("event.start", "2026-11-23T10:15:30.250Z"),
                  entry("event.end", "2026-11-23T10:15:30.250Z"),
                  entry("user.id", "agent-7"),
                  entry("agentlimiter.policy", "api"),
                  entry("agentlimiter.suppressed", 2L),
                  entry("agentlimiter.fold_scope", "agent")));
      assertThat(audit.lines.levels()).containsExactly(Level.INFO, Level.INFO);
    }
  }

  @Test
  void admissionsAreNeverFolded() {
    try (AuditFixture audit = new AuditFixture(b -> b.logAdmissions(true))) {
      for (int i = 0; i < 100; i++) {
        audit.log.onDecision(Events.admission().build());
      }
      assertThat(audit.flushed()).hasSize(100);
      assertThat(audit.log.foldKeys()).isZero();
    }
  }

  @Test
  void aZeroWindowWritesEveryLine() {
    try (AuditFixture audit = new AuditFixture(b -> b.foldWindow(Duration.ZERO))) {
      for (int i = 0; i < 100; i++) {
        audit.log.onDecision(Events.refusal().build());
      }
      assertThat(audit.flushed()).hasSize(100).allMatch(l -> !l.containsKey("agentlimiter.suppressed"));
    }
  }

  @Test
  void closeWritesTheFoldLinesOfOpenWindows() {
    AuditFixture audit = new AuditFixture();
    for (int i = 0; i < 10; i++) {
      audit.log.onDecision(Events.refusal().build());
    }
    audit.close(); // the window is still open on the clock
    assertThat(audit.lines.parsed()).extracting(AuditLogFoldTest::suppressed).containsExactly(0L, 9L);
  }

  @Test
  void aClockSteppedBackByMoreThanAWindowOpensANewOne() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onDecision(Events.refusal().build());
      audit.log.onDecision(Events.refusal().time(Events.T0.minusSeconds(3)).build()); // out of order: folded
      audit.log.onDecision(Events.refusal().time(Events.T0.minusSeconds(11)).build()); // stepped back
      assertThat(audit.flushed()).extracting(AuditLogFoldTest::suppressed).containsExactly(0L, 1L, 0L);
    }
  }

  /**
   * 100,000 agents refused once each within one window: the first 10,000 have a key of their own and a line;
   * the other 90,000 share one (reason, route) key, whose first is written and the rest folded.
   */
  @Test
  void aFloodOfDistinctAgentsKeepsTheTableAndTheLinesBounded() {
    List<Long> counted = new CopyOnWriteArrayList<>();
    try (AuditFixture audit = new AuditFixture(b -> b.onSuppressed(counted::add).queueCapacity(100_000))) {
      for (int i = 0; i < 100_000; i++) {
        audit.log.onDecision(Events.refusal("agent-" + i).build());
      }
      audit.log.flush();
      assertThat(audit.lines.size()).isEqualTo(10_001);
      assertThat(audit.log.foldKeys()).isEqualTo(10_001);
      audit.clock.advance(Duration.ofSeconds(10));
      List<Map<String, Object>> lines = audit.flushed();
      assertThat(lines).hasSize(10_002);
      assertThat(lines.get(10_000)).containsEntry("user.id", "agent-10000"); // the shared key's first
      Map<String, Object> fold = lines.get(10_001);
      assertThat(fold)
          .containsEntry("agentlimiter.suppressed", 89_999L)
          .containsEntry("agentlimiter.fold_scope", "route")
          .containsEntry("agentlimiter.route", "/v1/orders/*")
          .doesNotContainKey("user.id");
      assertThat(counted).containsExactly(89_999L);
      assertThat(audit.log.foldKeys()).isZero();
      assertThat(audit.log.dropped()).isZero();
    }
  }

  /** Beyond the table and the route keys, agents fold by reason alone. */
  @Test
  void beyondTheRouteKeysAgentsFoldByReason() {
    int routes = FoldTable.MAXIMUM_ROUTE_KEYS + 976;
    try (AuditFixture audit = new AuditFixture(b -> b.maximumFoldKeys(1))) {
      audit.log.onDecision(Events.refusal().build()); // takes the one agent key
      for (int r = 0; r < routes; r++) {
        audit.log.onDecision(Events.refusal("agent-" + r).route("/r/" + r).build());
      }
      audit.log.flush();
      assertThat(audit.lines.size()).isEqualTo(1 + FoldTable.MAXIMUM_ROUTE_KEYS + 1);
      assertThat(audit.log.foldKeys()).isEqualTo(1 + FoldTable.MAXIMUM_ROUTE_KEYS + 1);
      audit.clock.advance(Duration.ofSeconds(10));
      List<Map<String, Object>> lines = audit.flushed();
      Map<String, Object> fold = lines.get(lines.size() - 1);
      assertThat(lines).hasSize(1 + FoldTable.MAXIMUM_ROUTE_KEYS + 2);
      assertThat(fold)
          .containsEntry("agentlimiter.suppressed", 975L)
          .containsEntry("agentlimiter.fold_scope", "kind")
          .doesNotContainKeys("user.id", "agentlimiter.route");
    }
  }
}
