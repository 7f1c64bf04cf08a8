package dev.agentlimiter.core.audit;

import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder refuses a bad value when it is set, naming the option and the value, and an option set twice. */
class AuditLogBuilderTest {

  @Test
  void badValuesAreRefusedAtOnce() {
    assertThatThrownBy(() -> AuditLog.builder().loggerName(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("audit log: loggerName must have 1 to 256 characters, not all blank, but was ' '");
    assertThatThrownBy(() -> AuditLog.builder().loggerName("a".repeat(257)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("audit log: loggerName must have 1 to 256 characters");
    assertThatThrownBy(() -> AuditLog.builder().foldWindow(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("audit log: foldWindow must be between 0 and PT1H but was PT-0.001S");
    assertThatThrownBy(() -> AuditLog.builder().foldWindow(Duration.ofHours(1).plusNanos(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("audit log: foldWindow must be between 0 and PT1H but was PT1H0.000000001S");
    assertThatThrownBy(() -> AuditLog.builder().maximumFoldKeys(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("audit log: maximumFoldKeys must be between 1 and 1000000 but was 0");
    assertThatThrownBy(() -> AuditLog.builder().queueCapacity(1_000_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("audit log: queueCapacity must be between 1 and 1000000 but was 1000001");
  }

  @Test
  void anOptionSetTwiceIsRefused() {
    assertThatThrownBy(() -> AuditLog.builder().logAdmissions(true).logAdmissions(false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("audit log: logAdmissions was already set to true");
    assertThatThrownBy(() -> AuditLog.builder().queueCapacity(5).queueCapacity(6))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("audit log: queueCapacity was already set to 5");
    assertThatThrownBy(() -> AuditLog.builder().foldWindow(Duration.ZERO).foldWindow(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("audit log: foldWindow was already set to PT0S");
    assertThatThrownBy(() -> AuditLog.builder().clock(Clock.systemUTC()).clock(Clock.systemUTC()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("audit log: clock was already set");
  }

  @Test
  void nullsAreRefused() {
    assertThatNullPointerException().isThrownBy(() -> AuditLog.builder().loggerName(nullString()));
    assertThatNullPointerException().isThrownBy(() -> AuditLog.builder().foldWindow(nullDuration()));
    assertThatNullPointerException().isThrownBy(() -> AuditLog.builder().clock(nullClock()));
  }

  @SuppressWarnings("NullAway")
  private static String nullString() {
    return null;
  }

  @SuppressWarnings("NullAway")
  private static Duration nullDuration() {
    return null;
  }

  @SuppressWarnings("NullAway")
  private static Clock nullClock() {
    return null;
  }
}
