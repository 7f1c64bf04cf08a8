package dev.agentlimiter.servlet.contract;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * Every line logged in the JVM while it is open, whoever logs it: SLF4J (logback's root logger at {@code
 * TRACE}, every logger's own level and additivity cleared, so Jetty's, RESTEasy's and the audit log's DEBUG
 * and TRACE lines all arrive), {@code java.util.logging} (the root logger at {@code ALL}, every logger's own
 * level cleared: Jersey, and the library's {@code System.Logger}s, which log through it), and what is
 * written to {@code System.out} and {@code System.err}. The appenders and handlers already attached to the
 * root loggers are detached meanwhile, so that nothing floods the console; everything is put back on
 * {@link #close()}.
 *
 * <p>{@link #start()} writes one canary line through each channel, so a test can show that each one is
 * captured ({@link #canary()}). A library that read its logger's level once, before this opened, keeps the
 * level it read: open it before the server starts.
 */
public final class LogCapture implements AutoCloseable {

  /** One captured line: where it came from ({@code slf4j}, {@code jul}, {@code stdout}, {@code stderr}). */
  public record Line(String channel, String level, String logger, String text) {
    @Override
    public String toString() {
      return channel + " " + level + " " + logger + ": " + text;
    }
  }

  private final String canary = "log-capture-canary-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  private final List<Line> lines = Collections.synchronizedList(new ArrayList<>());

  // logback
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Level rootLevel = root.getLevel();
  private final List<Appender<ILoggingEvent>> rootAppenders = new ArrayList<>();
  private final Map<ch.qos.logback.classic.Logger, Level> levels = new LinkedHashMap<>();
  private final List<ch.qos.logback.classic.Logger> nonAdditive = new ArrayList<>();
  private final SlfAppender slf = new SlfAppender();

  // java.util.logging
  private final java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
  private final java.util.logging.@Nullable Level julRootLevel = julRoot.getLevel();
  private final List<Handler> julRootHandlers = new ArrayList<>();
  private final Map<java.util.logging.Logger, java.util.logging.Level> julLevels = new LinkedHashMap<>();
  private final List<java.util.logging.Logger> julNonParent = new ArrayList<>();
  private final JulHandler jul = new JulHandler();

  // System.out, System.err
  private final PrintStream out = System.out;
  private final PrintStream err = System.err;
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

  private boolean closed;

  private LogCapture() {}

  /** Starts capturing, and writes the canary through every channel. */
  public static LogCapture start() {
    LogCapture capture = new LogCapture();
    capture.install();
    capture.writeCanaries();
    return capture;
  }

  /** The string every channel's canary line holds. */
  public String canary() {
    return canary;
  }

  private void install() {
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      rootAppenders.add(it.next());
    }
    rootAppenders.forEach(root::detachAppender);
    for (ch.qos.logback.classic.Logger logger : context.getLoggerList()) {
      if (logger != root && logger.getLevel() != null) {
        levels.put(logger, logger.getLevel());
        logger.setLevel(null);
      }
      if (logger != root && !logger.isAdditive()) {
        nonAdditive.add(logger);
        logger.setAdditive(true);
      }
    }
    slf.setContext(context);
    slf.setName("log-capture");
    slf.start();
    root.addAppender(slf);
    root.setLevel(Level.TRACE); // logback's lowest

    for (Handler h : julRoot.getHandlers()) {
      julRootHandlers.add(h);
      julRoot.removeHandler(h);
    }
    LogManager manager = LogManager.getLogManager();
    for (String name : Collections.list(manager.getLoggerNames())) {
      java.util.logging.Logger logger = manager.getLogger(name);
      if (logger == null || logger == julRoot) {
        continue;
      }
      java.util.logging.Level level = logger.getLevel();
      if (level != null) {
        julLevels.put(logger, level);
        logger.setLevel(null);
      }
      if (!logger.getUseParentHandlers()) {
        julNonParent.add(logger);
        logger.setUseParentHandlers(true);
      }
    }
    jul.setLevel(java.util.logging.Level.ALL);
    julRoot.addHandler(jul);
    julRoot.setLevel(java.util.logging.Level.ALL);

    System.setOut(new PrintStream(new Tee(out, outBytes), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(err, errBytes), true, StandardCharsets.UTF_8));
  }

  private void writeCanaries() {
    LoggerFactory.getLogger(LogCapture.class).trace("slf4j {}", canary);
    java.util.logging.Logger.getLogger(LogCapture.class.getName()).finest("jul " + canary);
    System.getLogger(LogCapture.class.getName()).log(System.Logger.Level.TRACE, "system-logger " + canary);
    System.out.println("stdout " + canary);
    System.err.println("stderr " + canary);
  }

  /** Stops capturing and puts every appender, handler, level and stream back as it was. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    System.out.flush();
    System.err.flush();
    System.setOut(out);
    System.setErr(err);

    julRoot.removeHandler(jul);
    julRoot.setLevel(julRootLevel);
    julRootHandlers.forEach(julRoot::addHandler);
    julLevels.forEach(java.util.logging.Logger::setLevel);
    julNonParent.forEach(l -> l.setUseParentHandlers(false));

    root.detachAppender(slf);
    slf.stop();
    root.setLevel(rootLevel);
    rootAppenders.forEach(root::addAppender);
    levels.forEach(ch.qos.logback.classic.Logger::setLevel);
    nonAdditive.forEach(l -> l.setAdditive(false));

    split("stdout", outBytes);
    split("stderr", errBytes);
  }

  /** Every line captured, in order per channel; the streams' lines only once {@link #close() closed}. */
  public List<Line> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  private void split(String channel, ByteArrayOutputStream bytes) {
    String text;
    synchronized (bytes) {
      text = bytes.toString(StandardCharsets.UTF_8);
    }
    text.lines().filter(line -> !line.isEmpty()).forEach(line -> lines.add(new Line(channel, "-", "-", line)));
  }

  /**
   * The event as an appender would write it, and more: the message with its arguments, the throwable with
   * its whole stack trace and causes, the MDC, the key-value pairs.
   */
  private final class SlfAppender extends AppenderBase<ILoggingEvent> {
    @Override
    protected void append(ILoggingEvent e) {
      StringBuilder text = new StringBuilder(String.valueOf(e.getFormattedMessage()));
      IThrowableProxy thrown = e.getThrowableProxy();
      if (thrown != null) {
        text.append(" | ").append(ThrowableProxyUtil.asString(thrown));
      }
      Map<String, String> mdc = e.getMDCPropertyMap();
      if (mdc != null && !mdc.isEmpty()) {
        text.append(" | mdc ").append(mdc);
      }
      List<KeyValuePair> pairs = e.getKeyValuePairs();
      if (pairs != null && !pairs.isEmpty()) {
        text.append(" | kv ").append(pairs);
      }
      lines.add(new Line("slf4j", e.getLevel().toString(), e.getLoggerName(), text.toString()));
    }
  }

  /** The record as a formatter would write it: the message with its parameters, and the whole throwable. */
  private final class JulHandler extends Handler {
    private final SimpleFormatter formatter = new SimpleFormatter();

    @Override
    public void publish(LogRecord record) {
      StringBuilder text = new StringBuilder(formatter.formatMessage(record));
      Throwable thrown = record.getThrown();
      if (thrown != null) {
        StringWriter trace = new StringWriter();
        thrown.printStackTrace(new PrintWriter(trace));
        text.append(" | ").append(trace);
      }
      String name = record.getLoggerName();
      lines.add(new Line("jul", record.getLevel().getName(), name == null ? "-" : name, text.toString()));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  /** Writes to the stream it replaces and to a buffer. */
  private static final class Tee extends OutputStream {
    private final OutputStream original;
    private final ByteArrayOutputStream copy;

    Tee(OutputStream original, ByteArrayOutputStream copy) {
      this.original = original;
      this.copy = copy;
    }

    @Override
    public void write(int b) {
      synchronized (copy) {
        copy.write(b);
      }
      try {
        original.write(b);
      } catch (java.io.IOException e) {
        // the console's problem, not the capture's
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (copy) {
        copy.write(b, off, len);
      }
      try {
        original.write(b, off, len);
      } catch (java.io.IOException e) {
        // the console's problem, not the capture's
      }
    }

    @Override
    public void flush() {
      try {
        original.flush();
      } catch (java.io.IOException e) {
        // idem
      }
    }
  }
}
