package dev.agentlimiter.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.spi.FilterReply;
import dev.agentlimiter.api.LimiterEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/** The request thread never waits for the logger: a full queue drops and counts, a failing logger is contained. */
class AuditLogQueueTest {

  /** An appender that, while armed, holds the writer inside the logger until released. */
  private static final class Gate extends AppenderBase<ILoggingEvent> {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch released = new CountDownLatch(1);

    @Override
    protected void append(ILoggingEvent event) {
      entered.countDown();
      try {
        released.await(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** An appender that throws what it is given, while it is given something. */
  private static final class Throwing extends AppenderBase<ILoggingEvent> {
    final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();

    @Override
    public synchronized void doAppend(ILoggingEvent event) {
      Throwable t = failure.get();
      if (t instanceof Error e) {
        throw e; // logback's AppenderBase catches Exceptions, not Errors
      } else if (t instanceof RuntimeException e) {
        throw e;
      }
    }

    @Override
    protected void append(ILoggingEvent event) {}
  }

  /** Adds an appender before the captured lines: they are what got past it. */
  private static <T extends AppenderBase<ILoggingEvent>> T add(AuditFixture audit, T appender) {
    Logger logger = (Logger) LoggerFactory.getLogger(audit.lines.loggerName);
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.detachAppender(audit.lines);
    logger.addAppender(appender);
    logger.addAppender(audit.lines);
    return appender;
  }

  @Test
  void aFullQueueDropsAndCountsWithoutWaiting() throws InterruptedException {
    List<Long> reported = new CopyOnWriteArrayList<>();
    try (AuditFixture audit = new AuditFixture(b -> b.queueCapacity(10).onDropped(reported::add))) {
      Gate gate = add(audit, new Gate());
      audit.log.onDecision(Events.refusal("agent-first").build());
      assertThat(gate.entered.await(1, TimeUnit.MINUTES)).isTrue(); // the writer is stuck in the logger
      for (int i = 0; i < 15; i++) {
        audit.log.onDecision(Events.refusal("agent-" + i).build()); // returns at once, stuck or not
      }
      assertThat(audit.log.dropped()).isEqualTo(5); // 10 queued behind the stuck one
      gate.released.countDown();
      List<Map<String, Object>> lines = audit.flushed();
      assertThat(lines).hasSize(12);
      assertThat(lines.subList(1, 11)).extracting(l -> l.get("user.id"))
          .containsExactly(
              "agent-0", "agent-1", "agent-2", "agent-3", "agent-4", "agent-5", "agent-6", "agent-7", "agent-8",
              "agent-9");
      assertThat(lines.get(11))
          .containsEntry("event.action", "audit-events-dropped")
          .containsEntry("agentlimiter.dropped", 5L)
          .containsEntry(
              "event.reason",
              "5 audit events were not written: the queue was full, the log closed, or the logger failed");
      assertThat(reported).containsExactly(5L);
      assertThat(audit.log.dropped()).isEqualTo(5);
    }
  }

  @Test
  void anErrorThrownByTheLoggerNeverReachesTheCallerAndIsCounted() {
    List<Long> reported = new CopyOnWriteArrayList<>();
    List<Long> suppressed = new CopyOnWriteArrayList<>();
    try (AuditFixture audit = new AuditFixture(b -> b.onDropped(reported::add).onSuppressed(suppressed::add))) {
      Throwing appender = add(audit, new Throwing());
      appender.failure.set(new AssertionError("appender bug"));
      for (int i = 0; i < 3; i++) {
        audit.log.onDecision(Events.refusal("agent-" + i).build());
      }
      audit.log.onEvent(new LimiterEvent.QuarantineReleased("agent-0", "api"));
      audit.log.flush();
      assertThat(audit.log.dropped()).isEqualTo(4);
      assertThat(reported).containsExactly(4L); // the line that says so failed too; the callback did not

      appender.failure.set(null);
      audit.log.onDecision(Events.refusal("agent-9").build());
      for (int i = 0; i < 4; i++) {
        audit.log.onDecision(Events.refusal().build());
      }
      audit.log.flush();
      appender.failure.set(new IllegalStateException("appender bug")); // now the fold line fails
      audit.clock.advance(Duration.ofSeconds(10));
      audit.log.flush();
      assertThat(audit.log.dropped()).isEqualTo(4 + 3); // the fold line's three repeats are lost
      assertThat(suppressed).isEmpty();
      assertThat(reported).containsExactly(4L, 3L);

      appender.failure.set(null);
      audit.log.onDecision(Events.refusal("agent-10").build());
      audit.log.flush();
      assertThat(audit.lines.parsed()).extracting(l -> l.get("user.id"))
          .containsExactly("agent-9", "agent-7", "agent-10"); // the writer lives on
    }
  }

  /** A turbo filter throws inside {@code logger.warn} itself, before any appender. */
  @Test
  void aLoggerThatThrowsItselfIsContainedToo() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    try (AuditFixture audit = new AuditFixture()) {
      String name = audit.lines.loggerName;
      TurboFilter failing =
          new TurboFilter() {
            @Override
            public FilterReply decide(
                @Nullable Marker marker,
                @Nullable Logger logger,
                ch.qos.logback.classic.@Nullable Level level,
                @Nullable String format,
                Object @Nullable [] params,
                @Nullable Throwable t) {
              if (logger != null && logger.getName().equals(name)) {
                throw new IllegalStateException("filter bug");
              }
              return FilterReply.NEUTRAL;
            }
          };
      context.addTurboFilter(failing);
      try {
        audit.log.onDecision(Events.refusal().build());
        audit.log.flush();
        assertThat(audit.log.dropped()).isEqualTo(1);
      } finally {
        context.getTurboFilterList().remove(failing);
      }
      audit.log.onDecision(Events.refusal("agent-8").build());
      assertThat(audit.flushed()).hasSize(1);
    }
  }

  @Test
  void aCallbackThatThrowsChangesNothing() {
    try (AuditFixture audit =
        new AuditFixture(
            b -> b.onSuppressed(n -> { throw new IllegalStateException("metrics bug"); })
                .onDropped(n -> { throw new IllegalStateException("metrics bug"); }))) {
      for (int i = 0; i < 3; i++) {
        audit.log.onDecision(Events.refusal().build());
      }
      audit.clock.advance(Duration.ofSeconds(10));
      audit.log.onDecision(Events.refusal().time(Events.T0.plusSeconds(10)).build());
      assertThat(audit.flushed()).extracting(l -> l.get("agentlimiter.suppressed")).containsExactly(null, 2L, null);
    }
  }

  @Test
  void aCallbackMayCloseTheLogWithoutWaitingForItself() {
    AtomicReference<@Nullable AuditLog> log = new AtomicReference<>();
    try (AuditFixture audit =
        new AuditFixture(b -> b.onSuppressed(n -> java.util.Objects.requireNonNull(log.get()).close()))) {
      log.set(audit.log);
      for (int i = 0; i < 3; i++) {
        audit.log.onDecision(Events.refusal().build());
      }
      audit.clock.advance(Duration.ofSeconds(10));
      audit.log.flush(); // the callback closes the log from the writer thread
      audit.log.close();
      audit.log.onDecision(Events.refusal().build());
      assertThat(audit.lines.size()).isEqualTo(2);
      assertThat(audit.log.dropped()).isEqualTo(1);
    }
  }

  @Test
  void afterCloseEventsAreDroppedAndFlushReturns() {
    AuditFixture audit = new AuditFixture();
    audit.log.onDecision(Events.refusal().build());
    audit.close();
    audit.close(); // idempotent
    audit.log.onDecision(Events.refusal("agent-8").build());
    audit.log.onEvent(new LimiterEvent.QuarantineReleased("agent-8", "api"));
    audit.log.flush();
    assertThat(audit.lines.size()).isEqualTo(1);
    assertThat(audit.log.dropped()).isEqualTo(2);
    assertThat(audit.log.toString()).contains("closed").contains("dropped=2");
  }

  @Test
  void flushWaitsForEveryEventToldBeforeIt() {
    try (AuditFixture audit = new AuditFixture(b -> b.foldWindow(Duration.ZERO))) {
      for (int round = 1; round <= 20; round++) {
        for (int i = 0; i < 50; i++) {
          audit.log.onDecision(Events.refusal().build());
        }
        audit.log.flush();
        assertThat(audit.lines.size()).isEqualTo(round * 50);
      }
    }
  }
}
