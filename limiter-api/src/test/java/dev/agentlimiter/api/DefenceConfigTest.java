package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Defaults, withers and every validation boundary of the defence configuration types. */
class DefenceConfigTest {

  private static final Duration NS = Duration.ofNanos(1);
  private static final Duration ONE_DAY = Duration.ofDays(1);

  private static void rejects(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Nested
  class ConcurrencyLimitTest {

    @Test
    void ofHasTheDefaults() {
      ConcurrencyLimit cap = ConcurrencyLimit.of(8);
      assertThat(cap.maxInFlight()).isEqualTo(8);
      assertThat(cap.maxHold()).isEqualTo(Duration.ofMinutes(5)).isEqualTo(ConcurrencyLimit.DEFAULT_MAX_HOLD);
      assertThat(cap.retryAfter()).isEqualTo(Duration.ofSeconds(1)).isEqualTo(ConcurrencyLimit.DEFAULT_RETRY_AFTER);
      assertThat(cap).isEqualTo(new ConcurrencyLimit(8, Duration.ofMinutes(5), Duration.ofSeconds(1)));
      assertThat(cap)
          .hasToString("ConcurrencyLimit[maxInFlight=8, maxHold=PT5M, retryAfter=PT1S]");
    }

    @Test
    void withersReplaceOneFieldOnly() {
      ConcurrencyLimit cap = ConcurrencyLimit.of(3);
      ConcurrencyLimit held = cap.withMaxHold(Duration.ofMinutes(2));
      assertThat(held).isEqualTo(new ConcurrencyLimit(3, Duration.ofMinutes(2), Duration.ofSeconds(1)));
      ConcurrencyLimit waited = held.withRetryAfter(Duration.ofMillis(250));
      assertThat(waited)
          .isEqualTo(new ConcurrencyLimit(3, Duration.ofMinutes(2), Duration.ofMillis(250)));
      assertThat(cap).isEqualTo(ConcurrencyLimit.of(3)); // immutable
      assertThat(cap).isNotEqualTo(held).isNotEqualTo(ConcurrencyLimit.of(4));
    }

    @Test
    void maxInFlightBoundaries() {
      rejects(() -> ConcurrencyLimit.of(0), "concurrency: maxInFlight must be between 1 and 100000 but was 0");
      assertThat(ConcurrencyLimit.of(1).maxInFlight()).isEqualTo(1);
      assertThat(ConcurrencyLimit.of(100_000).maxInFlight()).isEqualTo(100_000);
      rejects(
          () -> ConcurrencyLimit.of(100_001),
          "concurrency: maxInFlight must be between 1 and 100000 but was 100001");
      rejects(
          () -> ConcurrencyLimit.of(Integer.MIN_VALUE),
          "concurrency: maxInFlight must be between 1 and 100000 but was -2147483648");
    }

    @Test
    @SuppressWarnings("NullAway") // null on purpose
    void maxHoldBoundaries() {
      ConcurrencyLimit cap = ConcurrencyLimit.of(1);
      rejects(() -> cap.withMaxHold(Duration.ZERO), "concurrency: maxHold must be > 0 and <= PT24H but was PT0S");
      rejects(
          () -> cap.withMaxHold(NS.negated()),
          "concurrency: maxHold must be > 0 and <= PT24H but was PT-0.000000001S");
      assertThat(cap.withMaxHold(NS).maxHold()).isEqualTo(NS);
      assertThat(cap.withMaxHold(ONE_DAY).maxHold()).isEqualTo(ONE_DAY);
      rejects(
          () -> cap.withMaxHold(ONE_DAY.plus(NS)),
          "concurrency: maxHold must be > 0 and <= PT24H but was PT24H0.000000001S");
      assertThatThrownBy(() -> new ConcurrencyLimit(1, null, Duration.ofSeconds(1)))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("concurrency: maxHold");
    }

    @Test
    @SuppressWarnings("NullAway") // null on purpose
    void retryAfterBoundaries() {
      ConcurrencyLimit cap = ConcurrencyLimit.of(1);
      rejects(
          () -> cap.withRetryAfter(Duration.ZERO),
          "concurrency: retryAfter must be > 0 and <= PT1H but was PT0S");
      assertThat(cap.withRetryAfter(NS).retryAfter()).isEqualTo(NS);
      assertThat(cap.withRetryAfter(Duration.ofHours(1)).retryAfter()).isEqualTo(Duration.ofHours(1));
      rejects(
          () -> cap.withRetryAfter(Duration.ofHours(1).plus(NS)),
          "concurrency: retryAfter must be > 0 and <= PT1H but was PT1H0.000000001S");
      assertThatThrownBy(() -> cap.withRetryAfter(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("concurrency: retryAfter");
    }
  }

  @Nested
  class LoopDetectionTest {

    private final Duration tenSeconds = Duration.ofSeconds(10);

    @Test
    void stagedBuilderHasTheDefaults() {
      LoopDetection loops = LoopDetection.after(5).within(tenSeconds);
      assertThat(loops.repeats()).isEqualTo(5);
      assertThat(loops.window()).isEqualTo(tenSeconds);
      assertThat(loops.errorRepeats()).isEqualTo(3);
      assertThat(loops.backoff()).isEqualTo(Duration.ofSeconds(1));
      assertThat(loops.maxBackoff()).isEqualTo(Duration.ofMinutes(5));
      assertThat(loops.trackedFingerprints()).isEqualTo(16);
      assertThat(loops)
          .isEqualTo(
              new LoopDetection(5, tenSeconds, 3, Duration.ofSeconds(1), Duration.ofMinutes(5), 16));
    }

    @Test
    void defaultErrorRepeatsIsHalfTheRepeatsRoundedUp() {
      assertThat(LoopDetection.after(1).within(tenSeconds).errorRepeats()).isEqualTo(1);
      assertThat(LoopDetection.after(2).within(tenSeconds).errorRepeats()).isEqualTo(1);
      assertThat(LoopDetection.after(3).within(tenSeconds).errorRepeats()).isEqualTo(2);
      assertThat(LoopDetection.after(4).within(tenSeconds).errorRepeats()).isEqualTo(2);
      assertThat(LoopDetection.after(63).within(tenSeconds).errorRepeats()).isEqualTo(32);
      assertThat(LoopDetection.after(64).within(tenSeconds).errorRepeats()).isEqualTo(32);
    }

    @Test
    void withersReplaceTheirFieldsOnly() {
      LoopDetection loops = LoopDetection.after(6).within(tenSeconds);
      assertThat(loops.withErrorRepeats(2))
          .isEqualTo(new LoopDetection(6, tenSeconds, 2, Duration.ofSeconds(1), Duration.ofMinutes(5), 16));
      assertThat(loops.withBackoff(Duration.ofSeconds(2), Duration.ofMinutes(1)))
          .isEqualTo(new LoopDetection(6, tenSeconds, 3, Duration.ofSeconds(2), Duration.ofMinutes(1), 16));
      assertThat(loops.withTrackedFingerprints(64))
          .isEqualTo(new LoopDetection(6, tenSeconds, 3, Duration.ofSeconds(1), Duration.ofMinutes(5), 64));
      assertThat(loops).isEqualTo(LoopDetection.after(6).within(tenSeconds));
    }

    @Test
    void repeatsBoundaries() {
      rejects(() -> LoopDetection.after(0), "loopDetection: repeats must be between 1 and 64 but was 0");
      assertThat(LoopDetection.after(1).within(tenSeconds).repeats()).isEqualTo(1);
      assertThat(LoopDetection.after(64).within(tenSeconds).repeats()).isEqualTo(64);
      rejects(() -> LoopDetection.after(65), "loopDetection: repeats must be between 1 and 64 but was 65");
      Duration s = Duration.ofSeconds(1);
      rejects(
          () -> new LoopDetection(0, tenSeconds, 1, s, s, 16),
          "loopDetection: repeats must be between 1 and 64 but was 0");
      rejects(
          () -> new LoopDetection(65, tenSeconds, 1, s, s, 16),
          "loopDetection: repeats must be between 1 and 64 but was 65");
    }

    @Test
    @SuppressWarnings("NullAway") // null on purpose
    void windowBoundaries() {
      LoopDetection.Within five = LoopDetection.after(5);
      rejects(() -> five.within(Duration.ZERO), "loopDetection: window must be > 0 and <= PT24H but was PT0S");
      rejects(
          () -> five.within(Duration.ofSeconds(-1)),
          "loopDetection: window must be > 0 and <= PT24H but was PT-1S");
      assertThat(five.within(NS).window()).isEqualTo(NS);
      assertThat(five.within(ONE_DAY).window()).isEqualTo(ONE_DAY);
      rejects(
          () -> five.within(ONE_DAY.plus(NS)),
          "loopDetection: window must be > 0 and <= PT24H but was PT24H0.000000001S");
      assertThatThrownBy(() -> five.within(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("loopDetection: window");
    }

    @Test
    void errorRepeatsMayNotExceedRepeats() {
      LoopDetection loops = LoopDetection.after(5).within(tenSeconds);
      rejects(() -> loops.withErrorRepeats(0), "loopDetection: errorRepeats must be between 1 and 5 but was 0");
      assertThat(loops.withErrorRepeats(1).errorRepeats()).isEqualTo(1);
      assertThat(loops.withErrorRepeats(5).errorRepeats()).isEqualTo(5);
      rejects(() -> loops.withErrorRepeats(6), "loopDetection: errorRepeats must be between 1 and 5 but was 6");
      rejects(
          () -> LoopDetection.after(64).within(tenSeconds).withErrorRepeats(65),
          "loopDetection: errorRepeats must be between 1 and 64 but was 65");
    }

    @Test
    void backoffBoundaries() {
      LoopDetection loops = LoopDetection.after(5).within(tenSeconds);
      rejects(
          () -> loops.withBackoff(Duration.ZERO, Duration.ofSeconds(1)),
          "loopDetection: backoff must be > 0 and <= PT24H but was PT0S");
      assertThat(loops.withBackoff(NS, NS).backoff()).isEqualTo(NS);
      assertThat(loops.withBackoff(ONE_DAY, ONE_DAY).backoff()).isEqualTo(ONE_DAY);
      rejects(
          () -> loops.withBackoff(ONE_DAY.plus(NS), ONE_DAY),
          "loopDetection: backoff must be > 0 and <= PT24H but was PT24H0.000000001S");
    }

    @Test
    void maxBackoffBoundaries() {
      LoopDetection loops = LoopDetection.after(5).within(tenSeconds);
      rejects(
          () -> loops.withBackoff(NS, Duration.ZERO),
          "loopDetection: maxBackoff must be > 0 and <= PT24H but was PT0S");
      assertThat(loops.withBackoff(NS, ONE_DAY).maxBackoff()).isEqualTo(ONE_DAY);
      rejects(
          () -> loops.withBackoff(NS, ONE_DAY.plus(NS)),
          "loopDetection: maxBackoff must be > 0 and <= PT24H but was PT24H0.000000001S");
    }

    @Test
    void maxBackoffMayNotBeBelowBackoff() {
      LoopDetection loops = LoopDetection.after(5).within(tenSeconds);
      rejects(
          () -> loops.withBackoff(Duration.ofSeconds(10), Duration.ofSeconds(5)),
          "loopDetection: maxBackoff must be >= backoff (PT10S) but was PT5S");
      rejects(
          () -> loops.withBackoff(Duration.ofSeconds(10), Duration.ofSeconds(10).minus(NS)),
          "loopDetection: maxBackoff must be >= backoff (PT10S) but was PT9.999999999S");
      LoopDetection equal = loops.withBackoff(Duration.ofSeconds(10), Duration.ofSeconds(10));
      assertThat(equal.backoff()).isEqualTo(equal.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void trackedFingerprintsBoundaries() {
      LoopDetection loops = LoopDetection.after(5).within(tenSeconds);
      rejects(
          () -> loops.withTrackedFingerprints(0),
          "loopDetection: trackedFingerprints must be between 1 and 256 but was 0");
      assertThat(loops.withTrackedFingerprints(1).trackedFingerprints()).isEqualTo(1);
      assertThat(loops.withTrackedFingerprints(256).trackedFingerprints()).isEqualTo(256);
      rejects(
          () -> loops.withTrackedFingerprints(257),
          "loopDetection: trackedFingerprints must be between 1 and 256 but was 257");
    }
  }

  @Nested
  class BurstDetectionTest {

    private final Duration ms = Duration.ofMillis(1);

    @Test
    void factorHasTheDefaults() {
      BurstDetection burst = BurstDetection.factor(8);
      assertThat(burst.factor()).isEqualTo(8);
      assertThat(burst.window()).isEqualTo(Duration.ofSeconds(1));
      assertThat(burst.baseline()).isEqualTo(Duration.ofMinutes(1));
      assertThat(burst.minimumRate()).isEqualTo(2);
      assertThat(burst.mode()).isEqualTo(BurstDetection.Mode.REPORT);
      assertThat(burst)
          .isEqualTo(
              new BurstDetection(8, Duration.ofSeconds(1), Duration.ofMinutes(1), 2, BurstDetection.Mode.REPORT));
    }

    @Test
    void withersReplaceTheirFieldsOnly() {
      BurstDetection burst = BurstDetection.factor(4);
      assertThat(burst.withWindows(Duration.ofMillis(100), Duration.ofSeconds(30)))
          .isEqualTo(
              new BurstDetection(4, Duration.ofMillis(100), Duration.ofSeconds(30), 2, BurstDetection.Mode.REPORT));
      assertThat(burst.withMinimumRate(50))
          .isEqualTo(
              new BurstDetection(4, Duration.ofSeconds(1), Duration.ofMinutes(1), 50, BurstDetection.Mode.REPORT));
      assertThat(burst.withMode(BurstDetection.Mode.THROTTLE))
          .isEqualTo(
              new BurstDetection(4, Duration.ofSeconds(1), Duration.ofMinutes(1), 2, BurstDetection.Mode.THROTTLE));
      assertThat(burst).isEqualTo(BurstDetection.factor(4));
      assertThat(burst.withMode(BurstDetection.Mode.THROTTLE)).isNotEqualTo(burst);
    }

    @Test
    void factorBoundaries() {
      rejects(() -> BurstDetection.factor(1), "burstDetection: factor must be between 2 and 1000 but was 1");
      assertThat(BurstDetection.factor(2).factor()).isEqualTo(2);
      assertThat(BurstDetection.factor(1000).factor()).isEqualTo(1000);
      rejects(() -> BurstDetection.factor(1001), "burstDetection: factor must be between 2 and 1000 but was 1001");
    }

    @Test
    void windowMustBeAtLeastOneMillisecond() {
      BurstDetection burst = BurstDetection.factor(8);
      rejects(
          () -> burst.withWindows(Duration.ZERO, Duration.ofMinutes(1)),
          "burstDetection: window must be > 0 and <= PT1H but was PT0S");
      rejects(
          () -> burst.withWindows(NS, Duration.ofNanos(100)),
          "burstDetection: window must be >= 1 ms but was PT0.000000001S");
      rejects(
          () -> burst.withWindows(ms.minus(NS), Duration.ofMillis(5)),
          "burstDetection: window must be >= 1 ms but was PT0.000999999S");
      BurstDetection fine = burst.withWindows(ms, Duration.ofMillis(5));
      assertThat(fine.window()).isEqualTo(ms);
      assertThat(fine.baseline()).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void windowAtMostOneHour() {
      BurstDetection burst = BurstDetection.factor(8);
      assertThat(burst.withWindows(Duration.ofHours(1), Duration.ofDays(7)).window())
          .isEqualTo(Duration.ofHours(1));
      rejects(
          () -> burst.withWindows(Duration.ofHours(1).plus(NS), Duration.ofDays(7)),
          "burstDetection: window must be > 0 and <= PT1H but was PT1H0.000000001S");
    }

    @Test
    void baselineAtMostSevenDays() {
      BurstDetection burst = BurstDetection.factor(8);
      assertThat(burst.withWindows(Duration.ofHours(1), Duration.ofDays(7)).baseline())
          .isEqualTo(Duration.ofDays(7));
      rejects(
          () -> burst.withWindows(Duration.ofHours(1), Duration.ofDays(7).plus(NS)),
          "burstDetection: baseline must be > 0 and <= PT168H but was PT168H0.000000001S");
      rejects(
          () -> burst.withWindows(Duration.ofHours(1), Duration.ZERO),
          "burstDetection: baseline must be > 0 and <= PT168H but was PT0S");
    }

    @Test
    void baselineMustSpanTwoToTenThousandWindows() {
      BurstDetection burst = BurstDetection.factor(8);
      Duration s = Duration.ofSeconds(1);
      rejects(
          () -> burst.withWindows(s, s),
          "burstDetection: baseline must span 2 to 10,000 windows of PT1S but was PT1S");
      rejects(
          () -> burst.withWindows(s, Duration.ofSeconds(2).minus(NS)),
          "burstDetection: baseline must span 2 to 10,000 windows of PT1S but was PT1.999999999S");
      rejects(
          () -> burst.withWindows(Duration.ofSeconds(2), s),
          "burstDetection: baseline must span 2 to 10,000 windows of PT2S but was PT1S");
      assertThat(burst.withWindows(s, Duration.ofSeconds(2)).baseline()).isEqualTo(Duration.ofSeconds(2));
      assertThat(burst.withWindows(s, Duration.ofSeconds(10_000)).baseline())
          .isEqualTo(Duration.ofSeconds(10_000));
      rejects(
          () -> burst.withWindows(s, Duration.ofSeconds(10_001)),
          "burstDetection: baseline must span 2 to 10,000 windows of PT1S but was PT2H46M41S");
      assertThat(burst.withWindows(ms, Duration.ofSeconds(10)).baseline()).isEqualTo(Duration.ofSeconds(10));
      rejects(
          () -> burst.withWindows(ms, Duration.ofMillis(10_001)),
          "burstDetection: baseline must span 2 to 10,000 windows of PT0.001S but was PT10.001S");
      rejects(
          () -> burst.withWindows(ms, Duration.ofDays(7)),
          "burstDetection: baseline must span 2 to 10,000 windows of PT0.001S but was PT168H");
    }

    @Test
    void minimumRateBoundaries() {
      BurstDetection burst = BurstDetection.factor(8);
      rejects(
          () -> burst.withMinimumRate(0),
          "burstDetection: minimumRate must be between 1 and 1000000000 but was 0");
      assertThat(burst.withMinimumRate(1).minimumRate()).isEqualTo(1);
      assertThat(burst.withMinimumRate(1_000_000_000L).minimumRate()).isEqualTo(1_000_000_000L);
      rejects(
          () -> burst.withMinimumRate(1_000_000_001L),
          "burstDetection: minimumRate must be between 1 and 1000000000 but was 1000000001");
    }

    @Test
    @SuppressWarnings("NullAway") // null on purpose
    void modeIsRequired() {
      assertThatThrownBy(() -> BurstDetection.factor(8).withMode(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("burstDetection: mode");
    }
  }

  @Nested
  class QuarantineTest {

    private final Duration minute = Duration.ofMinutes(1);
    private final Duration thirtyDays = Duration.ofDays(30);

    @Test
    void stagedBuilderHasTheDefaults() {
      Quarantine box = Quarantine.after(20).within(minute);
      assertThat(box.denials()).isEqualTo(20);
      assertThat(box.within()).isEqualTo(minute);
      assertThat(box.duration()).isEqualTo(Duration.ofMinutes(1));
      assertThat(box.maximum()).isEqualTo(Duration.ofHours(1));
      assertThat(box.decayAfter()).isEqualTo(Duration.ofMinutes(10));
      assertThat(box.onLoop()).isTrue();
      assertThat(box)
          .isEqualTo(
              new Quarantine(20, minute, Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofMinutes(10), true));
    }

    @Test
    void withersReplaceTheirFieldsOnly() {
      Quarantine box = Quarantine.after(3).within(minute);
      assertThat(box.withDuration(Duration.ofMinutes(5), Duration.ofHours(2)))
          .isEqualTo(
              new Quarantine(3, minute, Duration.ofMinutes(5), Duration.ofHours(2), Duration.ofMinutes(10), true));
      assertThat(box.withDecayAfter(Duration.ofHours(1)))
          .isEqualTo(new Quarantine(3, minute, minute, Duration.ofHours(1), Duration.ofHours(1), true));
      assertThat(box.withOnLoop(false))
          .isEqualTo(new Quarantine(3, minute, minute, Duration.ofHours(1), Duration.ofMinutes(10), false));
      assertThat(box.withOnLoop(false).withOnLoop(true)).isEqualTo(box);
      assertThat(box).isEqualTo(Quarantine.after(3).within(minute));
    }

    @Test
    void withDurationKeepsTheMaximumOrRaisesIt() {
      Quarantine box = Quarantine.after(3).within(minute);
      Quarantine lower = box.withDuration(Duration.ofMinutes(5));
      assertThat(lower.duration()).isEqualTo(Duration.ofMinutes(5));
      assertThat(lower.maximum()).isEqualTo(Duration.ofHours(1));
      Quarantine same = box.withDuration(Duration.ofHours(1));
      assertThat(same.duration()).isEqualTo(Duration.ofHours(1));
      assertThat(same.maximum()).isEqualTo(Duration.ofHours(1));
      Quarantine raised = box.withDuration(Duration.ofHours(2));
      assertThat(raised.duration()).isEqualTo(Duration.ofHours(2));
      assertThat(raised.maximum()).isEqualTo(Duration.ofHours(2));
      Quarantine justAbove = box.withDuration(Duration.ofHours(1).plus(NS));
      assertThat(justAbove.maximum()).isEqualTo(Duration.ofHours(1).plus(NS));
      Quarantine longest = box.withDuration(thirtyDays);
      assertThat(longest.maximum()).isEqualTo(thirtyDays);
      rejects(
          () -> box.withDuration(thirtyDays.plus(NS)),
          "quarantine: duration must be > 0 and <= PT720H but was PT720H0.000000001S");
      // The other fields are kept.
      assertThat(raised.denials()).isEqualTo(3);
      assertThat(raised.within()).isEqualTo(minute);
      assertThat(raised.decayAfter()).isEqualTo(Duration.ofMinutes(10));
      assertThat(raised.onLoop()).isTrue();
    }

    @Test
    void denialsBoundaries() {
      rejects(() -> Quarantine.after(0), "quarantine: denials must be between 1 and 64 but was 0");
      assertThat(Quarantine.after(1).within(minute).denials()).isEqualTo(1);
      assertThat(Quarantine.after(64).within(minute).denials()).isEqualTo(64);
      rejects(() -> Quarantine.after(65), "quarantine: denials must be between 1 and 64 but was 65");
      rejects(
          () -> new Quarantine(65, minute, minute, minute, minute, true),
          "quarantine: denials must be between 1 and 64 but was 65");
    }

    @Test
    void withinBoundaries() {
      Quarantine.Within w = Quarantine.after(5);
      rejects(() -> w.within(Duration.ZERO), "quarantine: within must be > 0 and <= PT24H but was PT0S");
      assertThat(w.within(NS).within()).isEqualTo(NS);
      assertThat(w.within(ONE_DAY).within()).isEqualTo(ONE_DAY);
      rejects(
          () -> w.within(ONE_DAY.plus(NS)),
          "quarantine: within must be > 0 and <= PT24H but was PT24H0.000000001S");
    }

    @Test
    void durationAndMaximumBoundaries() {
      Quarantine box = Quarantine.after(5).within(minute);
      rejects(
          () -> box.withDuration(Duration.ZERO, minute),
          "quarantine: duration must be > 0 and <= PT720H but was PT0S");
      assertThat(box.withDuration(NS, NS).duration()).isEqualTo(NS);
      assertThat(box.withDuration(thirtyDays, thirtyDays).duration()).isEqualTo(thirtyDays);
      rejects(
          () -> box.withDuration(thirtyDays.plus(NS), thirtyDays),
          "quarantine: duration must be > 0 and <= PT720H but was PT720H0.000000001S");
      rejects(
          () -> box.withDuration(minute, Duration.ZERO),
          "quarantine: maximum must be > 0 and <= PT720H but was PT0S");
      assertThat(box.withDuration(minute, thirtyDays).maximum()).isEqualTo(thirtyDays);
      rejects(
          () -> box.withDuration(minute, thirtyDays.plus(NS)),
          "quarantine: maximum must be > 0 and <= PT720H but was PT720H0.000000001S");
    }

    @Test
    void maximumMayNotBeBelowDuration() {
      Quarantine box = Quarantine.after(5).within(minute);
      rejects(
          () -> box.withDuration(Duration.ofMinutes(5), Duration.ofMinutes(4)),
          "quarantine: maximum must be >= duration (PT5M) but was PT4M");
      rejects(
          () -> box.withDuration(Duration.ofMinutes(5), Duration.ofMinutes(5).minus(NS)),
          "quarantine: maximum must be >= duration (PT5M) but was PT4M59.999999999S");
      Quarantine equal = box.withDuration(Duration.ofMinutes(5), Duration.ofMinutes(5));
      assertThat(equal.maximum()).isEqualTo(equal.duration());
    }

    @Test
    void decayAfterBoundaries() {
      Quarantine box = Quarantine.after(5).within(minute);
      rejects(
          () -> box.withDecayAfter(Duration.ZERO),
          "quarantine: decayAfter must be > 0 and <= PT720H but was PT0S");
      assertThat(box.withDecayAfter(NS).decayAfter()).isEqualTo(NS);
      assertThat(box.withDecayAfter(thirtyDays).decayAfter()).isEqualTo(thirtyDays);
      rejects(
          () -> box.withDecayAfter(thirtyDays.plus(NS)),
          "quarantine: decayAfter must be > 0 and <= PT720H but was PT720H0.000000001S");
    }
  }

  @Nested
  class ReputationTest {

    private final Duration minute = Duration.ofMinutes(1);

    @Test
    void stagedBuilderHasTheDefaults() {
      Reputation rep = Reputation.errorsAbove(20).within(minute);
      assertThat(rep.errorPercent()).isEqualTo(20);
      assertThat(rep.window()).isEqualTo(minute);
      assertThat(rep.minimumSamples()).isEqualTo(10);
      assertThat(rep.decreasePercent()).isEqualTo(50);
      assertThat(rep.increasePercent()).isEqualTo(10);
      assertThat(rep.floorPercent()).isEqualTo(10);
      assertThat(rep.ceilingPercent()).isEqualTo(100);
      assertThat(rep).isEqualTo(new Reputation(20, minute, 10, 50, 10, 10, 100));
    }

    @Test
    void withersReplaceTheirFieldsOnly() {
      Reputation rep = Reputation.errorsAbove(20).within(minute);
      assertThat(rep.withMinimumSamples(3)).isEqualTo(new Reputation(20, minute, 3, 50, 10, 10, 100));
      assertThat(rep.withSteps(75, 5)).isEqualTo(new Reputation(20, minute, 10, 75, 5, 10, 100));
      assertThat(rep.withBounds(25, 80)).isEqualTo(new Reputation(20, minute, 10, 50, 10, 25, 80));
      assertThat(rep).isEqualTo(Reputation.errorsAbove(20).within(minute));
    }

    @Test
    void errorPercentBoundaries() {
      rejects(() -> Reputation.errorsAbove(-1), "reputation: errorPercent must be between 0 and 99 but was -1");
      assertThat(Reputation.errorsAbove(0).within(minute).errorPercent()).isZero();
      assertThat(Reputation.errorsAbove(99).within(minute).errorPercent()).isEqualTo(99);
      rejects(() -> Reputation.errorsAbove(100), "reputation: errorPercent must be between 0 and 99 but was 100");
      rejects(
          () -> new Reputation(100, minute, 10, 50, 10, 10, 100),
          "reputation: errorPercent must be between 0 and 99 but was 100");
    }

    @Test
    void windowBoundaries() {
      Reputation.Within w = Reputation.errorsAbove(20);
      rejects(() -> w.within(Duration.ZERO), "reputation: window must be > 0 and <= PT24H but was PT0S");
      rejects(() -> w.within(NS), "reputation: window must be >= 1 ms but was PT0.000000001S");
      rejects(
          () -> w.within(Duration.ofMillis(1).minus(NS)),
          "reputation: window must be >= 1 ms but was PT0.000999999S");
      assertThat(w.within(Duration.ofMillis(1)).window()).isEqualTo(Duration.ofMillis(1));
      assertThat(w.within(ONE_DAY).window()).isEqualTo(ONE_DAY);
      rejects(
          () -> w.within(ONE_DAY.plus(NS)),
          "reputation: window must be > 0 and <= PT24H but was PT24H0.000000001S");
    }

    @Test
    void minimumSamplesBoundaries() {
      Reputation rep = Reputation.errorsAbove(20).within(minute);
      rejects(
          () -> rep.withMinimumSamples(0),
          "reputation: minimumSamples must be between 1 and 1000000 but was 0");
      assertThat(rep.withMinimumSamples(1).minimumSamples()).isEqualTo(1);
      assertThat(rep.withMinimumSamples(1_000_000).minimumSamples()).isEqualTo(1_000_000);
      rejects(
          () -> rep.withMinimumSamples(1_000_001),
          "reputation: minimumSamples must be between 1 and 1000000 but was 1000001");
    }

    @Test
    void stepBoundaries() {
      Reputation rep = Reputation.errorsAbove(20).within(minute);
      rejects(() -> rep.withSteps(0, 10), "reputation: decreasePercent must be between 1 and 99 but was 0");
      assertThat(rep.withSteps(1, 10).decreasePercent()).isEqualTo(1);
      assertThat(rep.withSteps(99, 10).decreasePercent()).isEqualTo(99);
      rejects(() -> rep.withSteps(100, 10), "reputation: decreasePercent must be between 1 and 99 but was 100");
      rejects(() -> rep.withSteps(50, 0), "reputation: increasePercent must be between 1 and 100 but was 0");
      assertThat(rep.withSteps(50, 1).increasePercent()).isEqualTo(1);
      assertThat(rep.withSteps(50, 100).increasePercent()).isEqualTo(100);
      rejects(() -> rep.withSteps(50, 101), "reputation: increasePercent must be between 1 and 100 but was 101");
    }

    @Test
    void boundBoundaries() {
      Reputation rep = Reputation.errorsAbove(20).within(minute);
      rejects(() -> rep.withBounds(1, 0), "reputation: ceilingPercent must be between 1 and 100 but was 0");
      Reputation lowest = rep.withBounds(1, 1);
      assertThat(lowest.floorPercent()).isEqualTo(1);
      assertThat(lowest.ceilingPercent()).isEqualTo(1);
      assertThat(rep.withBounds(1, 100).ceilingPercent()).isEqualTo(100);
      rejects(() -> rep.withBounds(1, 101), "reputation: ceilingPercent must be between 1 and 100 but was 101");
      rejects(() -> rep.withBounds(0, 50), "reputation: floorPercent must be between 1 and 50 but was 0");
      assertThat(rep.withBounds(50, 50).floorPercent()).isEqualTo(50);
      rejects(() -> rep.withBounds(51, 50), "reputation: floorPercent must be between 1 and 50 but was 51");
      // The default floor (10) above a lower ceiling is caught too.
      rejects(
          () -> new Reputation(20, minute, 10, 50, 10, 10, 5),
          "reputation: floorPercent must be between 1 and 5 but was 10");
    }
  }

  @Nested
  class BudgetTest {

    private static final long MAX_AMOUNT = 1_000_000_000_000_000L;

    @Test
    void stagedBuilderCutsThePeriods() {
      Budget daily = Budget.named("llm-tokens").amount(2_000_000).perDay();
      assertThat(daily.name()).isEqualTo("llm-tokens");
      assertThat(daily.amount()).isEqualTo(2_000_000);
      assertThat(daily.reset()).isEqualTo(Budget.Reset.DAILY);
      assertThat(daily.interval()).isEqualTo(Duration.ofDays(1));
      assertThat(daily).hasToString("Budget[name=llm-tokens, amount=2000000, reset=DAILY, interval=PT24H]");

      Budget monthly = Budget.named("usd.cents").amount(5_000).perMonth();
      assertThat(monthly.reset()).isEqualTo(Budget.Reset.MONTHLY);
      assertThat(monthly.interval()).isEqualTo(Duration.ofDays(31));

      Budget fixed = Budget.named("rows_exported").amount(10).every(Duration.ofHours(6));
      assertThat(fixed.reset()).isEqualTo(Budget.Reset.FIXED);
      assertThat(fixed.interval()).isEqualTo(Duration.ofHours(6));

      assertThat(daily).isEqualTo(new Budget("llm-tokens", 2_000_000, Budget.Reset.DAILY, Duration.ofDays(1)));
      assertThat(daily).isNotEqualTo(Budget.named("llm-tokens").amount(2_000_000).every(Duration.ofDays(1)));
    }

    @Test
    void namesAreValidated() {
      rejects(() -> Budget.named(""), "budget: name must have 1 to 64 characters but was ''");
      assertThat(Budget.named("a").amount(1).perDay().name()).isEqualTo("a");
      String longest = "b".repeat(64);
      assertThat(Budget.named(longest).amount(1).perDay().name()).isEqualTo(longest);
      String tooLong = "b".repeat(65);
      rejects(
          () -> Budget.named(tooLong),
          "budget: name must have 1 to 64 characters but was '" + tooLong + "'");
      rejects(
          () -> Budget.named("llm tokens"),
          "budget: name may contain only letters, digits, '.', '_' and '-' but was 'llm tokens'");
      rejects(
          () -> Budget.named("x\r\nSet-Cookie: y"),
          "budget: name may contain only letters, digits, '.', '_' and '-' but was 'x\r\nSet-Cookie: y'");
      rejects(
          () -> new Budget("a\"b", 1, Budget.Reset.DAILY, ONE_DAY),
          "budget: name may contain only letters, digits, '.', '_' and '-' but was 'a\"b'");
    }

    @Test
    void amountBoundaries() {
      Budget.Amount named = Budget.named("x");
      rejects(() -> named.amount(0), "budget 'x': amount must be between 1 and 1000000000000000 but was 0");
      assertThat(named.amount(1).perDay().amount()).isEqualTo(1);
      assertThat(named.amount(MAX_AMOUNT).perDay().amount()).isEqualTo(MAX_AMOUNT);
      rejects(
          () -> named.amount(MAX_AMOUNT + 1),
          "budget 'x': amount must be between 1 and 1000000000000000 but was 1000000000000001");
      rejects(
          () -> named.amount(-5),
          "budget 'x': amount must be between 1 and 1000000000000000 but was -5");
      rejects(
          () -> new Budget("x", 0, Budget.Reset.DAILY, ONE_DAY),
          "budget 'x': amount must be between 1 and 1000000000000000 but was 0");
    }

    @Test
    void intervalBoundaries() {
      Budget.Period period = Budget.named("x").amount(10);
      rejects(
          () -> period.every(Duration.ZERO),
          "budget 'x': interval must be > 0 and <= PT8784H but was PT0S");
      rejects(
          () -> period.every(Duration.ofMillis(999)),
          "budget 'x': interval must be >= 1 second but was PT0.999S");
      rejects(
          () -> period.every(Duration.ofSeconds(1).minus(NS)),
          "budget 'x': interval must be >= 1 second but was PT0.999999999S");
      assertThat(period.every(Duration.ofSeconds(1)).interval()).isEqualTo(Duration.ofSeconds(1));
      assertThat(period.every(Duration.ofDays(366)).interval()).isEqualTo(Duration.ofDays(366));
      rejects(
          () -> period.every(Duration.ofDays(366).plus(NS)),
          "budget 'x': interval must be > 0 and <= PT8784H but was PT8784H0.000000001S");
    }

    @Test
    void dailyAndMonthlyIntervalsAreFixed() {
      rejects(
          () -> new Budget("x", 10, Budget.Reset.DAILY, Duration.ofHours(2)),
          "budget 'x': interval of a DAILY budget is fixed, but was PT2H");
      rejects(
          () -> new Budget("x", 10, Budget.Reset.DAILY, Duration.ofDays(31)),
          "budget 'x': interval of a DAILY budget is fixed, but was PT744H");
      rejects(
          () -> new Budget("x", 10, Budget.Reset.MONTHLY, Duration.ofDays(1)),
          "budget 'x': interval of a MONTHLY budget is fixed, but was PT24H");
      rejects(
          () -> new Budget("x", 10, Budget.Reset.MONTHLY, Duration.ofDays(30)),
          "budget 'x': interval of a MONTHLY budget is fixed, but was PT720H");
      assertThat(new Budget("x", 10, Budget.Reset.DAILY, Duration.ofDays(1)))
          .isEqualTo(Budget.named("x").amount(10).perDay());
      assertThat(new Budget("x", 10, Budget.Reset.MONTHLY, Duration.ofDays(31)))
          .isEqualTo(Budget.named("x").amount(10).perMonth());
      // FIXED accepts the lengths that DAILY and MONTHLY reserve.
      assertThat(new Budget("x", 10, Budget.Reset.FIXED, Duration.ofDays(1)).reset()).isEqualTo(Budget.Reset.FIXED);
      assertThat(new Budget("x", 10, Budget.Reset.FIXED, Duration.ofDays(31)).reset()).isEqualTo(Budget.Reset.FIXED);
    }

    @Test
    @SuppressWarnings("NullAway") // null on purpose
    void resetIsRequired() {
      assertThatThrownBy(() -> new Budget("x", 10, null, ONE_DAY))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("reset");
    }
  }

  @Test
  void quarantineStatusIsValidated() {
    QuarantineStatus status =
        new QuarantineStatus("agent-7", "default", "p", Duration.ofMinutes(1), 1, Reason.LOOP_DETECTED);
    assertThat(status.level()).isEqualTo(1);
    assertThat(status.policy()).isEqualTo("p");
    rejects(
        () -> new QuarantineStatus("a", "default", "p", Duration.ZERO, 1, Reason.RATE_LIMITED),
        "quarantine status: remaining must be > 0 and level >= 1 but were PT0S and 1");
    rejects(
        () -> new QuarantineStatus("a", "default", "p", Duration.ofSeconds(-1), 1, Reason.RATE_LIMITED),
        "quarantine status: remaining must be > 0 and level >= 1 but were PT-1S and 1");
    rejects(
        () -> new QuarantineStatus("a", "default", "p", NS, 0, Reason.RATE_LIMITED),
        "quarantine status: remaining must be > 0 and level >= 1 but were PT0.000000001S and 0");
  }
}
