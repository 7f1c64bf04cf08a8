package dev.agentlimiter.core.audit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The lines a test's audit log writes: a logback appender on a logger of the test's own (additivity off,
 * level INFO), and a strict JSON reader over jackson-core that flattens each line to dotted keys.
 */
final class CapturedLines extends AppenderBase<ILoggingEvent> {

  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  final String loggerName;
  private final List<ILoggingEvent> events = new ArrayList<>(); // guarded by this

  private CapturedLines(String loggerName) {
    this.loggerName = loggerName;
  }

  /** An appender on a new logger {@code audit.test.N}. */
  static CapturedLines attach() {
    return attach("audit.test." + SEQUENCE.incrementAndGet());
  }

  /** An appender on the named logger, replacing nothing: additivity off, level INFO. */
  static CapturedLines attach(String loggerName) {
    CapturedLines lines = new CapturedLines(loggerName);
    Logger logger = (Logger) LoggerFactory.getLogger(loggerName);
    lines.setContext(logger.getLoggerContext());
    lines.start();
    logger.setAdditive(false);
    logger.setLevel(Level.INFO);
    logger.addAppender(lines);
    return lines;
  }

  @Override
  protected void append(ILoggingEvent event) {
    synchronized (this) {
      events.add(event);
    }
  }

  private synchronized List<ILoggingEvent> snapshot() {
    return new ArrayList<>(events);
  }

  /** The raw lines, in order. */
  List<String> raw() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : snapshot()) {
      out.add(e.getFormattedMessage());
    }
    return out;
  }

  /** The levels, in order. */
  List<Level> levels() {
    List<Level> out = new ArrayList<>();
    for (ILoggingEvent e : snapshot()) {
      out.add(e.getLevel());
    }
    return out;
  }

  /** Each line parsed strictly and flattened to dotted keys. */
  List<Map<String, Object>> parsed() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : raw()) {
      out.add(flat(line));
    }
    return out;
  }

  synchronized int size() {
    return events.size();
  }

  /**
   * One JSON object, parsed strictly (duplicate keys and trailing content refused), flattened: nested
   * objects become dotted keys ({@code event.action}); arrays stay lists of their values.
   *
   * @throws IllegalArgumentException if it is not exactly one JSON object
   */
  static Map<String, Object> flat(String line) {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not an object: " + line);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      object(p, "", out);
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("trailing content: " + line);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + line, e);
    }
  }

  private static void object(JsonParser p, String prefix, Map<String, Object> out) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = prefix + p.currentName();
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_OBJECT) {
        object(p, key + ".", out);
      } else {
        out.put(key, value(p, t));
      }
    }
  }

  private static Object value(JsonParser p, @Nullable JsonToken t) throws IOException {
    if (t == null) {
      throw new IOException("truncated");
    }
    return switch (t) {
      case START_ARRAY -> array(p);
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT -> p.getLongValue();
      case VALUE_TRUE -> true;
      case VALUE_FALSE -> false;
      default -> throw new IOException("unexpected " + t);
    };
  }

  private static List<Object> array(JsonParser p) throws IOException {
    List<Object> list = new ArrayList<>();
    for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
      if (e == JsonToken.START_OBJECT) {
        Map<String, Object> inner = new LinkedHashMap<>();
        object(p, "", inner);
        list.add(inner);
      } else {
        list.add(value(p, e));
      }
    }
    return list;
  }
}
