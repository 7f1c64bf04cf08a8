package dev.agentlimiter.core.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What the watcher logs to {@value PolicyFileWatcher#LOGGER_NAME}: an appender at INFO, additivity off. */
final class CapturedLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<ILoggingEvent> events = new ArrayList<>(); // guarded by this
  private final Logger logger;

  private CapturedLog() {
    logger = (Logger) LoggerFactory.getLogger(PolicyFileWatcher.LOGGER_NAME);
  }

  static CapturedLog attach() {
    CapturedLog log = new CapturedLog();
    log.setContext(log.logger.getLoggerContext());
    log.start();
    log.logger.setAdditive(false);
    log.logger.setLevel(Level.INFO);
    log.logger.addAppender(log);
    return log;
  }

  @Override
  protected synchronized void append(ILoggingEvent event) {
    events.add(event);
  }

  /** The formatted messages logged at ERROR, in order. */
  synchronized List<String> errors() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : events) {
      if (e.getLevel() == Level.ERROR) {
        out.add(e.getFormattedMessage());
      }
    }
    return out;
  }

  /** Every formatted message, in order. */
  synchronized List<String> messages() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : events) {
      out.add(e.getFormattedMessage());
    }
    return out;
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    logger.setAdditive(true);
    logger.setLevel(null);
    stop();
  }
}
