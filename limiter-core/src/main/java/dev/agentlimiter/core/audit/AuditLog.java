package dev.agentlimiter.core.audit;

import dev.agentlimiter.api.Beta;
import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: a {@link LimiterListener} that writes one JSON line through SLF4J for every refusal, every
 * shadow route's "would refuse", every identity failure ({@link
 * dev.agentlimiter.api.Reason#UNAUTHENTICATED}, and the credential guard's refusal), every detector {@link
 * LimiterEvent}, every configuration applied or refused ({@link ConfigurationEvent}) and, if {@linkplain
 * Builder#logAdmissions asked}, every admission. Field names follow the Elastic Common Schema, as nested
 * objects ({@code "event":{"action":…}}); ours are under {@code agentlimiter}. See {@code
 * docs/observability.md} for an example of each line.
 *
 * <pre>{@code
 * AuditLog audit = AuditLog.builder().build();
 * AgentLimiter limiter = AgentLimiters.newBuilder().listener(audit).build();
 * ...
 * audit.close(); // at shutdown: writes what is queued and the pending fold lines
 * }</pre>
 *
 * <p><b>Levels.</b> Enforced refusals, identity failures, and the detector events {@code loop-detected},
 * {@code burst-detected}, {@code quarantined}, {@code budget-exhausted} and {@code permit-reclaimed} are
 * logged at WARN, and so is {@code config-refused}; admissions, shadow refusals, {@code quarantine-released},
 * {@code reputation-changed} and {@code config-applied} at INFO. A fold line has the level of the lines it
 * stands for.
 *
 * <p><b>Never blocks the request thread.</b> {@link #onDecision}, {@link #onEvent} and {@link
 * #onConfiguration} only put the event on a bounded queue ({@link Builder#queueCapacity}); one daemon thread
 * formats the lines and calls the logger. When the queue is full the event is dropped and counted ({@link
 * #dropped()}). Nothing the logger throws reaches the caller.
 *
 * <p><b>Limits itself.</b> Repeats of the same agent, reason (or detector event type) and route (or policy,
 * lane or budget) within the {@linkplain Builder#foldWindow fold window} are folded: the first is written at
 * once, the next ones counted, and when the window has ended one fold line carries {@code
 * agentlimiter.suppressed}. Admissions and configuration lines are never folded: the limits bound the
 * first, and the second are rare. The table of fold keys is bounded ({@link Builder#maximumFoldKeys}); an
 * agent beyond it folds with every other such agent by reason and route.
 *
 * <p><b>No secrets.</b> Events carry no header values by construction; in addition every string value is cut
 * to {@value SafeText#MAX_CHARS} characters and replaced whole by {@code [redacted]} if it holds what looks
 * like a JWT or a {@code Bearer}/{@code Basic} credential, and a request id is kept only if it is 1 to 128
 * characters of {@code A-Z a-z 0-9 . _ : -}.
 *
 * <p>Every event handed to this listener ends as exactly one of: its own line, a count in a written fold
 * line ({@code agentlimiter.suppressed}), or a count in {@link #dropped()}. Thread-safe.
 */
@Beta
public final class AuditLog implements LimiterListener, AutoCloseable {

  /** The logger's name unless {@linkplain Builder#loggerName set}. */
  public static final String DEFAULT_LOGGER_NAME = "dev.agentlimiter.audit";

  /** The fold window unless {@linkplain Builder#foldWindow set}. */
  public static final Duration DEFAULT_FOLD_WINDOW = Duration.ofSeconds(10);

  /** The fold-key bound unless {@linkplain Builder#maximumFoldKeys set}. */
  public static final int DEFAULT_MAXIMUM_FOLD_KEYS = 10_000;

  /** The queue's capacity unless {@linkplain Builder#queueCapacity set}. */
  public static final int DEFAULT_QUEUE_CAPACITY = 10_000;

  /** The largest value {@link Builder#maximumFoldKeys} and {@link Builder#queueCapacity} accept. */
  public static final int MAXIMUM_BOUND = 1_000_000;

  /** The longest fold window accepted. */
  public static final Duration MAXIMUM_FOLD_WINDOW = Duration.ofHours(1);

  /** How often, at most, the writer closes ended fold windows and reports drops, on its own clock. */
  static final long PASS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Room on the queue for flush and close requests, beyond the events' capacity. */
  private static final int CONTROL_SLOTS = 64;

  private static final Logger OWN = LoggerFactory.getLogger(AuditLog.class);

  private static final Object CLOSE = new Object();

  private final Logger logger;
  private final boolean logAdmissions;
  private final Clock clock;
  private final LongConsumer onSuppressed;
  private final LongConsumer onDropped;
  private final int capacity;
  private final ArrayBlockingQueue<Object> queue;
  private final AtomicInteger queued = new AtomicInteger();
  private final LongAdder dropped = new LongAdder();
  private final @Nullable FoldTable folds;
  private final AuditLines lines = new AuditLines();
  private final Thread writer;
  private volatile boolean closed;
  private volatile boolean finished;

  // the writer thread's own
  private long reportedDropped;
  private long lastPassNanos;

  private AuditLog(Builder b) {
    this.logger = LoggerFactory.getLogger(b.loggerName != null ? b.loggerName : DEFAULT_LOGGER_NAME);
    this.logAdmissions = b.logAdmissions != null && b.logAdmissions;
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.onSuppressed = b.onSuppressed != null ? b.onSuppressed : n -> {};
    this.onDropped = b.onDropped != null ? b.onDropped : n -> {};
    this.capacity = b.queueCapacity != null ? b.queueCapacity : DEFAULT_QUEUE_CAPACITY;
    this.queue = new ArrayBlockingQueue<>(capacity + CONTROL_SLOTS);
    Duration window = b.foldWindow != null ? b.foldWindow : DEFAULT_FOLD_WINDOW;
    int keys = b.maximumFoldKeys != null ? b.maximumFoldKeys : DEFAULT_MAXIMUM_FOLD_KEYS;
    this.folds = window.isZero() ? null : new FoldTable(window, keys);
    this.writer = new Thread(this::run, "agent-limiter-audit");
    writer.setDaemon(true);
    lastPassNanos = System.nanoTime();
    writer.start();
  }

  /** A builder with the defaults: logger {@value #DEFAULT_LOGGER_NAME}, no admissions, 10 s folds. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Queues the event's line if it is a refusal, a shadow refusal, or an admission while {@linkplain
   * Builder#logAdmissions admissions are logged}; returns at once. Never throws.
   */
  @Override
  public void onDecision(DecisionEvent event) {
    if (event.refused() || logAdmissions) {
      enqueue(event);
    }
  }

  /** Whether admissions are logged: if not, the limiter builds no event for them. */
  @Override
  public boolean takesAdmissions() {
    return logAdmissions;
  }

  /** Queues the detector event's line, stamped with this log's clock; returns at once. Never throws. */
  @Override
  public void onEvent(LimiterEvent event) {
    Instant now;
    try {
      now = clock.instant();
    } catch (RuntimeException e) { // a test's clock, say: never the caller's problem
      dropped.increment();
      return;
    }
    enqueue(new Detected(now, event));
  }

  /**
   * Queues the line of a configuration applied ({@code config-applied}, INFO) or refused ({@code
   * config-refused}, WARN); returns at once. Never folded. Never throws.
   */
  @Override
  public void onConfiguration(ConfigurationEvent event) {
    enqueue(event);
  }

  /**
   * The number of events not written and not counted in a fold line: told while the queue was full or
   * after {@link #close()}, or whose line the logger failed to write. Reported to {@link
   * Builder#onDropped} and in an {@code audit-events-dropped} line by the writer.
   */
  public long dropped() {
    return dropped.sum();
  }

  /**
   * Waits until every event told before this call has been handled (written, counted in a fold, or
   * dropped), the fold lines of every window that has ended by the clock's current time are written, and
   * the drops so far reported. Windows still open stay open. Returns at once after {@link #close()}; if the
   * calling thread is interrupted, returns early with its interrupt status set. For tests and shutdown
   * hooks; never call it on a request thread.
   */
  public void flush() {
    if (finished) {
      return;
    }
    CountDownLatch done = new CountDownLatch(1);
    try {
      if (!put(done)) {
        return;
      }
      while (!done.await(50, TimeUnit.MILLISECONDS)) {
        if (finished) {
          return; // the writer stopped; close() or its end handled what was queued
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the log: events told from now on are dropped; the writer writes what is queued and the fold line
   * of every window that counted repeats, open or not, reports the drops, and ends. Waits for it. Idempotent.
   */
  @Override
  public void close() {
    try {
      if (!closed) {
        closed = true;
        put(CLOSE);
      }
      if (Thread.currentThread() != writer) { // a callback that closes the log must not wait for itself
        writer.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Queues a flush or close request, waiting for room; false if the writer stopped meanwhile. */
  private boolean put(Object request) throws InterruptedException {
    while (!queue.offer(request, 50, TimeUnit.MILLISECONDS)) {
      if (finished) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "AuditLog[" + logger.getName() + (closed ? ", closed" : "") + ", dropped=" + dropped() + "]";
  }

  /** The number of open fold windows, for tests. */
  int foldKeys() {
    return folds == null ? 0 : folds.size();
  }

  // ------------------------------------------------------------------------------------ request side

  private void enqueue(Object item) {
    if (closed) {
      dropped.increment();
      return;
    }
    if (queued.incrementAndGet() > capacity) {
      queued.decrementAndGet();
      dropped.increment();
      return;
    }
    if (!queue.offer(item)) { // flush and close requests took the room: rare
      queued.decrementAndGet();
      dropped.increment();
      return;
    }
    if (finished && queue.remove(item)) { // the writer ended after our check: whoever takes it counts it
      dropped.increment();
    }
  }

  // ------------------------------------------------------------------------------------ writer side

  private void run() {
    List<CountDownLatch> waiting = new ArrayList<>();
    try {
      while (true) {
        Object item = queue.poll(PASS_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
        if (item == CLOSE) {
          break;
        } else if (item instanceof CountDownLatch flush) {
          pass(false);
          flush.countDown();
          continue;
        } else if (item != null) {
          queued.decrementAndGet();
          handle(item);
        }
        long now = System.nanoTime();
        if (item == null || now - lastPassNanos >= PASS_INTERVAL_NANOS) {
          pass(false);
        }
      }
    } catch (InterruptedException e) {
      // nobody but close() should stop us; treat it as a close
    } finally {
      finished = true; // from now on an event enqueued after our last drain is taken back by its sender
      List<Object> rest = new ArrayList<>();
      queue.drainTo(rest);
      for (Object item : rest) {
        if (item instanceof CountDownLatch flush) {
          waiting.add(flush);
        } else if (item != CLOSE) {
          handle(item);
        }
      }
      pass(true);
      waiting.forEach(CountDownLatch::countDown);
    }
  }

  private void handle(Object item) {
    try {
      if (item instanceof DecisionEvent e) {
        decision(e);
      } else if (item instanceof Detected d) {
        detector(d);
      } else if (item instanceof ConfigurationEvent e) {
        configuration(e);
      }
    } catch (IOException | RuntimeException | Error e) { // a bug or a hostile value: never kill the writer
      dropped.increment();
    }
  }

  private void decision(DecisionEvent e) throws IOException {
    LineKind kind = AuditLines.kindOf(e);
    String agent = SafeText.clean(e.agentId());
    String scope = AuditLines.scopeOf(e);
    if (e.refused() && folds != null && !folds.admit(agent, kind, scope, e.time(), this::folded)) {
      return;
    }
    if (enabled(kind.warn())) {
      write(kind.warn(), lines.decision(e, kind, agent, scope), 1);
    }
  }

  private void detector(Detected d) throws IOException {
    LineKind kind = AuditLines.kindOf(d.event);
    String agent = SafeText.clean(d.event.agentId());
    String scope = AuditLines.scopeOf(d.event);
    if (folds != null && !folds.admit(agent, kind, scope, d.time, this::folded)) {
      return;
    }
    if (enabled(kind.warn())) {
      write(kind.warn(), lines.detector(d.time, d.event, kind, agent, scope), 1);
    }
  }

  private void configuration(ConfigurationEvent e) throws IOException {
    LineKind kind = AuditLines.kindOf(e);
    if (enabled(kind.warn())) {
      write(kind.warn(), lines.configuration(e, kind), 1);
    }
  }

  /** Writes the fold line of a closed window that counted repeats. */
  private void folded(FoldTable.Window w) {
    if (w.suppressed == 0) {
      return;
    }
    boolean warn = w.key.kind().warn();
    try {
      if (!enabled(warn) || write(warn, lines.fold(w), w.suppressed)) {
        callback(onSuppressed, w.suppressed);
      }
    } catch (IOException | RuntimeException e) {
      dropped.add(w.suppressed);
    }
  }

  /** Closes ended windows (all of them if {@code all}) and reports new drops. */
  private void pass(boolean all) {
    lastPassNanos = System.nanoTime();
    try {
      if (folds != null) {
        folds.closeEnded(clock.instant(), all, this::folded);
      }
      long total = dropped.sum();
      long fresh = total - reportedDropped;
      if (fresh > 0) {
        reportedDropped = total;
        if (logger.isWarnEnabled()) {
          write(true, lines.dropped(clock.instant(), fresh), 0);
        }
        callback(onDropped, fresh);
      }
    } catch (IOException | RuntimeException | Error e) {
      // the clock or the table failed; the next pass tries again
    }
  }

  /**
   * Logs one line; {@code events} is how many events it accounts for, counted as dropped if the logger
   * throws. Returns whether it was written.
   */
  private boolean write(boolean warn, String line, long events) {
    try {
      if (warn) {
        logger.warn(line);
      } else {
        logger.info(line);
      }
      return true;
    } catch (Throwable t) { // whatever the backend throws stays here; the line is lost and counted
      dropped.add(events);
      return false;
    }
  }

  private boolean enabled(boolean warn) {
    try {
      return warn ? logger.isWarnEnabled() : logger.isInfoEnabled();
    } catch (RuntimeException e) {
      return true; // let write() count the failure
    }
  }

  private static void callback(LongConsumer consumer, long count) {
    try {
      consumer.accept(count);
    } catch (RuntimeException e) {
      OWN.warn("audit log callback {} failed", consumer, e);
    }
  }

  /** A detector event and when it was told: {@link LimiterEvent}s carry no time of their own. */
  private static final class Detected {
    final Instant time;
    final LimiterEvent event;

    Detected(Instant time, LimiterEvent event) {
      this.time = time;
      this.event = event;
    }
  }

  /**
   * Builds an {@link AuditLog}; each value is validated when set, and setting one twice is refused. Not
   * thread-safe. {@link #build()} starts the writer thread.
   */
  public static final class Builder {
    private @Nullable String loggerName;
    private @Nullable Boolean logAdmissions;
    private @Nullable Duration foldWindow;
    private @Nullable Integer maximumFoldKeys;
    private @Nullable Integer queueCapacity;
    private @Nullable LongConsumer onSuppressed;
    private @Nullable LongConsumer onDropped;
    private @Nullable Clock clock;

    private Builder() {}

    /**
     * Sets the SLF4J logger's name (default {@value #DEFAULT_LOGGER_NAME}), so the audit lines can be
     * routed to an appender of their own.
     *
     * @throws IllegalArgumentException if blank or longer than 256 characters
     * @throws IllegalStateException if already set
     */
    public Builder loggerName(String name) {
      once(loggerName, "loggerName");
      Objects.requireNonNull(name, "loggerName");
      if (name.isBlank() || name.length() > 256) {
        throw new IllegalArgumentException(
            "audit log: loggerName must have 1 to 256 characters, not all blank, but was '" + name + "'");
      }
      loggerName = name;
      return this;
    }

    /**
     * Whether to write a line for every admission too, at INFO (default {@code false}: refusals, shadow
     * refusals, identity failures and detector events only). Admissions are never folded.
     *
     * @throws IllegalStateException if already set
     */
    public Builder logAdmissions(boolean enabled) {
      once(logAdmissions, "logAdmissions");
      logAdmissions = enabled;
      return this;
    }

    /**
     * Sets how long repeats of one agent, reason and route are folded into one line (default 10 s).
     * {@link Duration#ZERO} turns folding off: every line is written.
     *
     * @throws IllegalArgumentException if negative or longer than {@link #MAXIMUM_FOLD_WINDOW}
     * @throws IllegalStateException if already set
     */
    public Builder foldWindow(Duration window) {
      once(foldWindow, "foldWindow");
      Objects.requireNonNull(window, "foldWindow");
      if (window.isNegative() || window.compareTo(MAXIMUM_FOLD_WINDOW) > 0) {
        throw new IllegalArgumentException(
            "audit log: foldWindow must be between 0 and " + MAXIMUM_FOLD_WINDOW + " but was " + window);
      }
      foldWindow = window;
      return this;
    }

    /**
     * Sets how many (agent, reason, route) fold keys are tracked at once (default 10,000). An agent that
     * finds the table full folds with every other such agent by (reason, route) instead, in at most 1,024
     * more keys, and beyond those by reason alone: <b>its first line may then be written without its
     * repeats being attributed to it</b>. Memory stays bounded by the keys, each holding at most three
     * strings of at most 256 characters.
     *
     * @throws IllegalArgumentException if not between 1 and {@value #MAXIMUM_BOUND}
     * @throws IllegalStateException if already set
     */
    public Builder maximumFoldKeys(int maximum) {
      once(maximumFoldKeys, "maximumFoldKeys");
      maximumFoldKeys = bounded("maximumFoldKeys", maximum);
      return this;
    }

    /**
     * Sets how many events may wait for the writer (default 10,000); an event told while the queue is full
     * is dropped and counted in {@link #dropped()}. The queue is allocated at once.
     *
     * @throws IllegalArgumentException if not between 1 and {@value #MAXIMUM_BOUND}
     * @throws IllegalStateException if already set
     */
    public Builder queueCapacity(int capacity) {
      once(queueCapacity, "queueCapacity");
      queueCapacity = bounded("queueCapacity", capacity);
      return this;
    }

    /**
     * Receives the count of each fold line written (its {@code agentlimiter.suppressed}), on the writer
     * thread, for a metrics counter. Keep it fast; what it throws is logged and ignored.
     *
     * @throws IllegalStateException if already set
     */
    public Builder onSuppressed(LongConsumer counter) {
      once(onSuppressed, "onSuppressed");
      onSuppressed = Objects.requireNonNull(counter, "onSuppressed");
      return this;
    }

    /**
     * Receives the number of events dropped since the last call, on the writer thread, at most about once
     * a second and on {@link AuditLog#flush()} and {@link AuditLog#close()}. Keep it fast; what it throws is
     * logged and ignored.
     *
     * @throws IllegalStateException if already set
     */
    public Builder onDropped(LongConsumer counter) {
      once(onDropped, "onDropped");
      onDropped = Objects.requireNonNull(counter, "onDropped");
      return this;
    }

    /**
     * Sets the wall clock (default {@link Clock#systemUTC()}) that stamps detector events, which carry no
     * time of their own, and by which the writer ends fold windows nobody repeats into. A window opens at its
     * first event's time and ends, for its next event, by that event's time, so a decision's fold follows
     * the limiter's clock: <b>give both the same clock</b> (a mismatch only shortens windows). Tests pass a
     * clock they move by hand.
     *
     * @throws IllegalStateException if already set
     */
    public Builder clock(Clock wallClock) {
      once(clock, "clock");
      clock = Objects.requireNonNull(wallClock, "clock");
      return this;
    }

    /** The log, its writer thread started. Close it at shutdown. */
    public AuditLog build() {
      return new AuditLog(this);
    }

    private static void once(@Nullable Object current, String name) {
      if (current != null) {
        throw new IllegalStateException("audit log: " + name + " was already set to " + current);
      }
    }

    private static int bounded(String name, int value) {
      if (value < 1 || value > MAXIMUM_BOUND) {
        throw new IllegalArgumentException(
            "audit log: " + name + " must be between 1 and " + MAXIMUM_BOUND + " but was " + value);
      }
      return value;
    }
  }
}
