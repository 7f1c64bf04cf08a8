package dev.agentlimiter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Reason;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 8 threads × 50,000 events at once, over combinations that every thread meets for the first time
 * together (so counters are created in races too): every total is exact.
 */
class ConcurrencyTest {

  private static final int THREADS = 8;
  private static final int EVENTS_PER_THREAD = 50_000;
  private static final int COMBINATIONS = 240;

  @Test
  void totalsAreExactUnderConcurrentEvents() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder(new FakeAdmin()).build();
    metrics.bindTo(registry);
    List<DecisionEvent> events = new ArrayList<>();
    Reason[] reasons = Reason.values();
    for (int c = 0; c < COMBINATIONS; c++) {
      Reason reason = reasons[c % reasons.length];
      events.add(
          Events.event("agent-" + c, reason, "policy-" + (c % 5))
              .route("/r" + (c % 6))
              .shadow(c % 7 == 0)
              .limiterTime(Duration.ofNanos(100 + c))
              .build());
    }
    LimiterEvent loop = new LimiterEvent.ReputationChanged("a", "policy-1", 100, 90);

    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int offset = t * 31;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < EVENTS_PER_THREAD; i++) {
                    metrics.onDecision(events.get((i + offset) % COMBINATIONS));
                    if (i % 100 == 0) {
                      metrics.onEvent(loop);
                      metrics.recordAuditSuppressed(2);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }

    // What a single thread would have counted, combination by combination.
    Map<Integer, Long> perCombination = new HashMap<>();
    long expectedNanos = 0;
    long credentialFailures = 0;
    for (int t = 0; t < THREADS; t++) {
      for (int i = 0; i < EVENTS_PER_THREAD; i++) {
        int c = (i + t * 31) % COMBINATIONS;
        perCombination.merge(c, 1L, Long::sum);
        expectedNanos += 100 + c;
        if (events.get(c).reason() == Reason.UNAUTHENTICATED) {
          credentialFailures++;
        }
      }
    }
    long total = (long) THREADS * EVENTS_PER_THREAD;
    assertThat(Events.sum(registry, AgentLimiterMetrics.DECISIONS)).isEqualTo((double) total);
    long timed = 0;
    double timedNanos = 0;
    for (Timer timer : registry.find(AgentLimiterMetrics.LIMITER_TIME).timers()) {
      timed += timer.count();
      timedNanos += timer.totalTime(TimeUnit.NANOSECONDS);
    }
    assertThat(timed).isEqualTo(total);
    assertThat(timedNanos).isEqualTo((double) expectedNanos);
    Map<Tags, Long> expectedPerTags = new HashMap<>();
    for (Map.Entry<Integer, Long> e : perCombination.entrySet()) {
      expectedPerTags.merge(expectedTags(events.get(e.getKey())), e.getValue(), Long::sum);
    }
    for (Map.Entry<Tags, Long> e : expectedPerTags.entrySet()) {
      assertThat(registry.get(AgentLimiterMetrics.DECISIONS).tags(e.getKey()).counter().count())
          .as(e.getKey().toString())
          .isEqualTo(e.getValue().doubleValue());
    }
    assertThat(registry.find(AgentLimiterMetrics.DECISIONS).counters()).hasSize(expectedPerTags.size());
    assertThat(registry.get(AgentLimiterMetrics.CREDENTIAL_FAILURES).counter().count())
        .isEqualTo((double) credentialFailures);
    long perThreadTicks = (EVENTS_PER_THREAD + 99) / 100;
    assertThat(Events.sum(registry, AgentLimiterMetrics.DETECTOR_EVENTS)).isEqualTo((double) (THREADS * perThreadTicks));
    assertThat(registry.get(AgentLimiterMetrics.AUDIT_SUPPRESSED).counter().count())
        .isEqualTo(2.0 * THREADS * perThreadTicks);
  }

  /** The tags of an event's counter, worked out from the event alone (as docs/metrics.md lists them). */
  private static Tags expectedTags(DecisionEvent e) {
    String outcome = !e.refused() ? "allowed" : e.shadow() ? "shadow_refused" : "refused";
    return Tags.of(
        "outcome", outcome,
        "reason", e.reason().name().toLowerCase(java.util.Locale.ROOT),
        "policy", e.decision().policy().orElse("none"),
        "lane", e.lanes().isEmpty() ? "none" : e.lanes().get(0),
        "tier", e.tier().orElse("none"),
        "route", e.route().orElse("none"),
        "method", e.method().orElse("none"),
        "status", e.status().isPresent() ? (e.status().getAsInt() / 100) + "xx" : "none");
  }
}
