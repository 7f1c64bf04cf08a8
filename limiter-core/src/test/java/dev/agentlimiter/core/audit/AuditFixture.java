package dev.agentlimiter.core.audit;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** An audit log writing to a captured logger of its own, on a clock the test moves. Close it. */
final class AuditFixture implements AutoCloseable {

  final CapturedLines lines = CapturedLines.attach();
  final MutableClock clock = new MutableClock(Events.T0);
  final AuditLog log;

  /** With the defaults but the logger and the clock. */
  AuditFixture() {
    this(b -> b);
  }

  /** With {@code options} applied to a builder that has the logger and the clock set. */
  AuditFixture(UnaryOperator<AuditLog.Builder> options) {
    log = options.apply(AuditLog.builder().loggerName(lines.loggerName).clock(clock)).build();
  }

  /** Every line written so far, once the writer has handled every event told. */
  List<Map<String, Object>> flushed() {
    log.flush();
    return lines.parsed();
  }

  /** The one line written so far. */
  Map<String, Object> only() {
    List<Map<String, Object>> all = flushed();
    if (all.size() != 1) {
      throw new AssertionError("expected one line but got " + all.size() + ": " + lines.raw());
    }
    return all.get(0);
  }

  @Override
  public void close() {
    log.close();
  }
}
