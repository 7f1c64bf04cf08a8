package dev.agentlimiter.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 8 threads × 10,000 events at once: every event ends as exactly one line, one count in a fold line, or one
 * drop. The clock stands still, so folds depend only on the events; how many are dropped depends on the
 * scheduling, and the sum never does.
 */
class AuditLogConcurrencyTest {

  private static final int THREADS = 8;
  private static final int EACH = 10_000;

  /** Thread t's i-th event: refusals of 40 agents on 3 routes, admissions, detector events. */
  private static void tell(AuditLog log, int t, int i) {
    String agent = "agent-" + ((t * 7 + i) % 40);
    switch (i % 5) {
      case 0 -> log.onDecision(Events.admission().requestId("r-" + t + "-" + i).build());
      case 1 -> log.onEvent(new LimiterEvent.BurstDetected(agent, "api", i, 40, true));
      default -> {
        DecisionEvent.Builder e = Events.refusal(agent).route("/v1/route-" + (i % 3)).requestId("r-" + t + "-" + i);
        log.onDecision(e.build());
      }
    }
  }

  @ParameterizedTest(name = "queueCapacity {0}")
  @ValueSource(ints = {64, 10_000})
  void linesPlusSuppressedPlusDroppedIsEveryEvent(int capacity) throws Exception {
    LongAdder suppressedReported = new LongAdder();
    LongAdder droppedReported = new LongAdder();
    AuditFixture audit =
        new AuditFixture(
            b -> b.logAdmissions(true)
                .queueCapacity(capacity)
                .onSuppressed(suppressedReported::add)
                .onDropped(droppedReported::add));
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < EACH; i++) {
                    tell(audit.log, thread, i);
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
    audit.close(); // writes every open fold

    long lines = 0;
    long suppressed = 0;
    for (Map<String, Object> line : audit.lines.parsed()) {
      if ("audit-events-dropped".equals(line.get("event.action"))) {
        continue;
      }
      if (line.containsKey("agentlimiter.suppressed")) {
        suppressed += (Long) line.get("agentlimiter.suppressed");
      } else {
        lines++;
      }
    }
    long dropped = audit.log.dropped();
    assertThat(lines + suppressed + dropped).isEqualTo((long) THREADS * EACH);
    assertThat(suppressedReported.sum()).isEqualTo(suppressed);
    assertThat(droppedReported.sum()).isEqualTo(dropped);
    assertThat(lines).isGreaterThanOrEqualTo(1); // not all dropped
    // 16,000 admissions are written one by one; 120 refusal keys and 40 burst keys write one line each at
    // most, the clock standing still; the rest is folded or, when the writer falls behind, dropped
    assertThat(lines).isLessThanOrEqualTo(16_000 + 160);
  }

  /** Threads keep telling while the log closes: events told around close() are written or dropped, never lost. */
  @ParameterizedTest(name = "close after {0} events")
  @ValueSource(ints = {0, 1_000, 20_000, 60_000})
  void eventsToldWhileTheLogClosesAreWrittenOrDropped(int closeAfter) throws Exception {
    AuditFixture audit = new AuditFixture(b -> b.logAdmissions(true).queueCapacity(1_000));
    LongAdder told = new LongAdder();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < EACH; i++) {
                    tell(audit.log, thread, i);
                    told.increment();
                  }
                  return null;
                }));
      }
      while (told.sum() < closeAfter) {
        Thread.onSpinWait();
      }
      audit.close();
      for (Future<?> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    long accounted = audit.log.dropped();
    for (Map<String, Object> line : audit.lines.parsed()) {
      if (!"audit-events-dropped".equals(line.get("event.action"))) {
        accounted += (Long) line.getOrDefault("agentlimiter.suppressed", 1L);
      }
    }
    assertThat(accounted).isEqualTo((long) THREADS * EACH);
  }
}
