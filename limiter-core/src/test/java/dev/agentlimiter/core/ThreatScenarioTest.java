package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
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
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The threat model played end to end through the engine on a fake clock: a looping agent's 50 concurrent
 * identical retries, a polite agent beside it, a fan-out burst, and an egress lane quarantined while the
 * inbound lane keeps serving.
 */
class ThreatScenarioTest {

  private static final int LOOP_REPEATS = 3;

  private final FakeTimeSource clock = new FakeTimeSource(42);
  private final RecordingListener events = new RecordingListener();

  private final Policy inbound =
      Policy.named("inbound")
          .lane("inbound")
          .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)))
          .concurrency(ConcurrencyLimit.of(8))
          .loopDetection(LoopDetection.after(LOOP_REPEATS).within(Duration.ofSeconds(10)))
          .burstDetection(BurstDetection.factor(8))
          .quarantine(Quarantine.after(10).within(Duration.ofMinutes(1)))
          .build();

  private final Policy egress =
      Policy.named("egress")
          .lane("egress")
          .limit(Limit.capacity(10).refill(1).per(Duration.ofSeconds(1)))
          .loopDetection(LoopDetection.after(LOOP_REPEATS).within(Duration.ofSeconds(10)))
          .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
          .build();

  private final AgentLimiter limiter =
      AgentLimiters.newBuilder().timeSource(clock).listener(events).build();

  private static AgentIdentity agent(String id) {
    return AgentIdentity.of(id, IdentitySource.API_KEY);
  }

  private static RequestFingerprint fp(String route, int n) {
    return RequestFingerprint.builder("POST", route).query("n=" + n).build();
  }

  @Test
  void fiftyConcurrentIdenticalRetriesAreCutOffAndQuarantinedWhileAPoliteAgentIsNeverDenied()
      throws Exception {
    AgentIdentity looper = agent("looper");
    AgentIdentity polite = agent("polite");
    RequestFingerprint same = fp("/v1/orders", 0);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Admission>> storm = new ArrayList<>();
    List<Future<Decision>> politeCalls = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        Callable<Admission> retry =
            () -> {
              start.await();
              return limiter.enter(AgentRequest.of(looper, inbound).withFingerprint(same));
            };
        storm.add(pool.submit(retry));
      }
      // the polite agent's own fan-out stays within its cap of 8 in flight
      for (int i = 0; i < 8; i++) {
        int n = i;
        politeCalls.add(
            pool.submit(
                () -> {
                  start.await();
                  try (Admission a =
                      limiter.enter(
                          AgentRequest.of(polite, inbound).withFingerprint(fp("/v1/orders", n)))) {
                    return a.decision();
                  }
                }));
      }
      start.countDown();
      int allowed = 0;
      int loops = 0;
      List<Admission> held = new ArrayList<>();
      for (Future<Admission> f : storm) {
        Admission a = f.get();
        held.add(a);
        Decision d = a.decision();
        if (d.isAllowed()) {
          allowed++;
        } else if (d.reason() == Reason.LOOP_DETECTED) {
          loops++;
        } else {
          assertThat(d.reason()).isIn(Reason.QUARANTINED, Reason.CONCURRENCY_LIMITED);
        }
      }
      // the loop detector tolerates LOOP_REPEATS identical requests and refuses the next
      assertThat(allowed).isEqualTo(LOOP_REPEATS);
      assertThat(loops).isGreaterThanOrEqualTo(1);
      for (Future<Decision> f : politeCalls) {
        assertThat(f.get().isAllowed()).as("the polite agent is never denied").isTrue();
      }
      held.forEach(Admission::close);
    } finally {
      pool.shutdownNow();
    }
    assertThat(limiter.admin().inFlight(looper, inbound)).isZero();
    assertThat(limiter.admin().inFlight(polite, inbound)).isZero();

    // caught looping: quarantined in the inbound lane, one event, and refused without touching a bucket
    List<LimiterEvent.Quarantined> boxed = events.of(LimiterEvent.Quarantined.class);
    assertThat(boxed).hasSize(1);
    assertThat(boxed.get(0).agentId()).isEqualTo("looper");
    assertThat(boxed.get(0).cause()).isEqualTo(Reason.LOOP_DETECTED);
    assertThat(boxed.get(0).duration()).isEqualTo(Duration.ofMinutes(1));
    long tokensBefore = limiter.admin().inspect(looper, inbound).get(0).remaining();
    Decision d = limiter.decide(AgentRequest.of(looper, inbound).withFingerprint(fp("/other", 1)));
    assertThat(d.reason()).isEqualTo(Reason.QUARANTINED);
    assertThat(d.policy()).contains("inbound");
    assertThat(d.retryAfter()).isEqualTo(Duration.ofMinutes(1));
    assertThat(limiter.admin().inspect(looper, inbound).get(0).remaining()).isEqualTo(tokensBefore);
    assertThat(limiter.admin().quarantined()).singleElement().satisfies(q -> {
      assertThat(q.agentId()).isEqualTo("looper");
      assertThat(q.lane()).isEqualTo("inbound");
    });

    // the penalty ends: after the minute the looper is served again if it stopped looping
    clock.advance(Duration.ofMinutes(1));
    assertThat(limiter.admin().quarantined()).isEmpty();
    assertThat(
            limiter.decide(AgentRequest.of(looper, inbound).withFingerprint(fp("/v1/other", 2))).isAllowed())
        .isTrue();
  }

  @Test
  void aFanOutBurstRaisesExactlyOneAnomalyEvent() {
    AgentIdentity fanout = agent("fanout");
    // a minute of one request per second builds the baseline
    for (int s = 0; s < 60; s++) {
      assertThat(limiter.decide(AgentRequest.of(fanout, inbound).withFingerprint(fp("/a", s))).isAllowed())
          .isTrue();
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(events.of(LimiterEvent.BurstDetected.class)).isEmpty();
    // one task fans out into 18 parallel sub-requests (within the bucket's burst of 20), then idles
    for (int i = 0; i < 18; i++) {
      try (Admission a =
          limiter.enter(AgentRequest.of(fanout, inbound).withFingerprint(fp("/fan", i)))) {
        assertThat(a.decision().isAllowed()).as("report-only mode refuses nothing").isTrue();
      }
    }
    List<LimiterEvent.BurstDetected> bursts = events.of(LimiterEvent.BurstDetected.class);
    assertThat(bursts).hasSize(1);
    assertThat(bursts.get(0).agentId()).isEqualTo("fanout");
    assertThat(bursts.get(0).throttled()).isFalse();
    assertThat(bursts.get(0).threshold()).isEqualTo(16); // factor 8 x minimum rate 2
    assertThat(bursts.get(0).requestsInWindow()).isEqualTo(17);
    // idle, then back to normal: no further event
    clock.advance(Duration.ofSeconds(30));
    for (int s = 0; s < 10; s++) {
      limiter.decide(AgentRequest.of(fanout, inbound).withFingerprint(fp("/b", s)));
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(events.of(LimiterEvent.BurstDetected.class)).hasSize(1);
  }

  @Test
  void theEgressLaneIsQuarantinedWhileInboundKeepsBeingServed() {
    AgentIdentity mailer = agent("mailer");
    RequestFingerprint send = fp("/smtp/send", 7);
    int refusedEgress = 0;
    for (int i = 0; i < 10; i++) {
      Decision d = limiter.decide(AgentRequest.of(mailer, egress).withFingerprint(send));
      if (!d.isAllowed()) {
        refusedEgress++;
      }
      assertThat(
              limiter
                  .decide(AgentRequest.of(mailer, inbound).withFingerprint(fp("/webhook", i)))
                  .isAllowed())
          .as("inbound request %s", i)
          .isTrue();
      clock.advance(Duration.ofMillis(100));
    }
    assertThat(refusedEgress).isEqualTo(10 - LOOP_REPEATS);
    assertThat(limiter.admin().quarantine(mailer, "egress")).isPresent();
    assertThat(limiter.admin().quarantine(mailer, "inbound")).isEmpty();
    // a different egress request is refused too (the lane is boxed), inbound still served
    assertThat(limiter.decide(AgentRequest.of(mailer, egress).withFingerprint(fp("/smtp/other", 1))).reason())
        .isEqualTo(Reason.QUARANTINED);
    assertThat(limiter.decide(AgentRequest.of(mailer, inbound).withFingerprint(fp("/webhook", 99))).isAllowed())
        .isTrue();
    // operator release
    assertThat(limiter.admin().release(mailer, "egress")).isTrue();
    assertThat(events.of(LimiterEvent.QuarantineReleased.class)).hasSize(1);
    assertThat(limiter.decide(AgentRequest.of(mailer, egress).withFingerprint(fp("/smtp/other", 2))).isAllowed())
        .isTrue();
  }

  @Test
  void anErrorLoopIsCaughtAtTheLowerThreshold() {
    AgentIdentity agent = agent("failing");
    RequestFingerprint bad = fp("/v1/broken", 1);
    // errorRepeats defaults to ceil(3 / 2) = 2: two failures in a row, then the repeat is refused
    for (int i = 0; i < 2; i++) {
      try (Admission a = limiter.enter(AgentRequest.of(agent, egress).withFingerprint(bad))) {
        assertThat(a.decision().isAllowed()).isTrue();
        a.complete(Outcome.ofStatus(500));
      }
      clock.advance(Duration.ofSeconds(1));
    }
    Admission third = limiter.enter(AgentRequest.of(agent, egress).withFingerprint(bad));
    assertThat(third.decision().reason()).isEqualTo(Reason.LOOP_DETECTED);
    List<LimiterEvent.LoopDetected> loops = events.of(LimiterEvent.LoopDetected.class);
    assertThat(loops).singleElement().satisfies(e -> assertThat(e.errorLoop()).isTrue());
  }
}
