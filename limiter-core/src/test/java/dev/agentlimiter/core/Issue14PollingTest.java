package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 8: a well-behaved agent that polls is never taken for a looping one. Before the fix, an
 * agent polling one GET every 200 ms and honouring every Retry-After was refused {@code LOOP_DETECTED}
 * after five polls and quarantined for 60 s. A retry storm is told from polling by what distinguishes
 * them: identical safe requests in flight at once, after an error, or before the retry-after.
 */
class Issue14PollingTest {

  private static final AgentIdentity AGENT = AgentIdentity.of("poller", IdentitySource.API_KEY);
  /** The threat-defence policy the docs show at a glance, on one URL for every method. */
  private static final Policy JOBS =
      Policy.named("jobs")
          .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"))
          .loopDetection(LoopDetection.after(5).within(Duration.ofSeconds(10)))
          .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
          .build();
  private static final RequestFingerprint STATUS = RequestFingerprint.builder("GET", "/jobs/42").build();

  private final FakeTimeSource time = new FakeTimeSource(1_000_000_000L);
  private final AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).build();

  private Admission poll() {
    return limiter.enter(AgentRequest.of(AGENT, JOBS).withFingerprint(STATUS));
  }

  @Test
  void aPatientPollerIsNeverALoopNorQuarantined() {
    int served = 0;
    for (int i = 0; i < 400; i++) { // 80 s of polling every 200 ms
      try (Admission a = poll()) {
        Decision d = a.decision();
        assertThat(d.reason()).as("poll %s", i).isEqualTo(Reason.ALLOWED);
        a.complete(Outcome.ofStatus(200));
        served++;
      }
      time.advance(Duration.ofMillis(200));
    }
    assertThat(served).isEqualTo(400);
    assertThat(limiter.admin().quarantined()).isEmpty();
  }

  @Test
  void aFastPollerIsRateLimitedNotLoopedWhileItHonoursRetryAfter() {
    // 20 polls a second against 10 a second: the bucket refuses, the agent waits exactly as told. (With a
    // penalty box, repeated rate refusals would still count as offences: that is the box's rule.)
    Policy noBox =
        Policy.named("jobs-no-box")
            .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"))
            .loopDetection(LoopDetection.after(5).within(Duration.ofSeconds(10)))
            .build();
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      try (Admission a = limiter.enter(AgentRequest.of(AGENT, noBox).withFingerprint(STATUS))) {
        Decision d = a.decision();
        reasons.add(d.reason());
        if (d.isAllowed()) {
          a.complete(Outcome.ofStatus(200));
          time.advance(Duration.ofMillis(50));
        } else {
          time.advance(d.retryAfter());
        }
      }
    }
    assertThat(reasons).doesNotContain(Reason.LOOP_DETECTED, Reason.QUARANTINED).contains(Reason.RATE_LIMITED);
  }

  @Test
  void fiftyIdenticalConcurrentRetriesAreCaughtAtOnce() {
    List<Admission> inFlight = new ArrayList<>();
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Admission a = poll(); // none has been answered yet
      inFlight.add(a);
      reasons.add(a.decision().reason());
    }
    inFlight.forEach(Admission::close);
    assertThat(reasons.subList(0, 5)).containsOnly(Reason.ALLOWED);
    assertThat(reasons.get(5)).as("the sixth in flight at once").isEqualTo(Reason.LOOP_DETECTED);
    assertThat(reasons.subList(6, 50)).containsOnly(Reason.QUARANTINED); // a loop boxes at once
  }

  /**
   * Retries that overlap in pairs, with a lone repeat between the pairs (nothing in flight when it
   * arrives): the lone repeats are not counted, but they do not hide the storm either.
   */
  @Test
  void patientRepeatsBetweenOverlappingOnesDoNotHideTheStorm() {
    List<Reason> reasons = new ArrayList<>();
    for (int pair = 0; pair < 3; pair++) {
      Admission first = poll();
      Admission second = poll(); // overlaps the first
      reasons.add(first.decision().reason());
      reasons.add(second.decision().reason());
      first.close();
      second.close();
      try (Admission lone = poll()) {
        reasons.add(lone.decision().reason());
      }
      time.advance(Duration.ofMillis(100));
    }
    // counted: the two sightings of each pair (the first of a pair as the request the second repeats)
    assertThat(reasons).contains(Reason.LOOP_DETECTED);
  }

  @Test
  void aPollThatKeepsFailingIsAnErrorLoop() {
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      try (Admission a = poll()) {
        reasons.add(a.decision().reason());
        a.complete(Outcome.ofStatus(500));
      }
      time.advance(Duration.ofMillis(200));
    }
    assertThat(reasons).contains(Reason.LOOP_DETECTED);
  }

  @Test
  void aPollerThatIgnoresRetryAfterIsCaught() {
    Policy tight =
        Policy.named("tight")
            .limit(Limit.capacity(1).refill(1).per(Duration.ofSeconds(10)))
            .loopDetection(LoopDetection.after(5).within(Duration.ofSeconds(10)))
            .build();
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      try (Admission a = limiter.enter(AgentRequest.of(AGENT, tight).withFingerprint(STATUS))) {
        reasons.add(a.decision().reason());
        a.complete(Outcome.ofStatus(200));
      }
      time.advance(Duration.ofMillis(100)); // told 10 s, back after 100 ms
    }
    assertThat(reasons).contains(Reason.LOOP_DETECTED);
  }

  @Test
  void repeatedWritesStillCountByIdentityAlone() {
    RequestFingerprint order = RequestFingerprint.builder("POST", "/orders").build();
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      try (Admission a = limiter.enter(AgentRequest.of(AGENT, JOBS).withFingerprint(order))) {
        reasons.add(a.decision().reason());
        a.complete(Outcome.ofStatus(201));
      }
      time.advance(Duration.ofMillis(200));
    }
    assertThat(reasons).containsExactly(
        Reason.ALLOWED, Reason.ALLOWED, Reason.ALLOWED, Reason.ALLOWED, Reason.ALLOWED, Reason.LOOP_DETECTED);
  }

  /**
   * Any polling schedule of one safe request where each poll is answered successfully before the next and
   * no poll comes before the retry-after it was given: never a loop, whatever the threshold; only the
   * bucket refuses.
   */
  @Property(tries = 300)
  void politePollingIsNeverALoop(
      @ForAll @Size(min = 1, max = 200) List<@LongRange(min = 0, max = 3_000_000_000L) Long> gaps,
      @ForAll @IntRange(min = 1, max = 8) int repeats) {
    FakeTimeSource clock = new FakeTimeSource(17);
    AgentLimiter l = AgentLimiters.newBuilder().timeSource(clock).build();
    Policy p =
        Policy.named("p")
            .limit(Limit.capacity(5).refill(1).per(Duration.ofSeconds(1)))
            .loopDetection(LoopDetection.after(repeats).within(Duration.ofSeconds(30)))
            .build();
    for (long gap : gaps) {
      try (Admission a = l.enter(AgentRequest.of(AGENT, p).withFingerprint(STATUS))) {
        Decision d = a.decision();
        assertThat(d.reason()).isIn(Reason.ALLOWED, Reason.RATE_LIMITED);
        if (d.isAllowed()) {
          a.complete(Outcome.ofStatus(200));
          clock.advanceNanos(gap);
        } else {
          clock.advance(d.retryAfter());
          clock.advanceNanos(gap % 1_000);
        }
      }
    }
  }
}
