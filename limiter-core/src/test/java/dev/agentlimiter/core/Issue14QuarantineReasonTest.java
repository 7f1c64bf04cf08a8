package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.QuarantineStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.core.http.HttpResponses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 9: a quarantined agent is told the right reason. Before the fix, an agent boxed for a
 * loop under policy A and refused on a route of policy B in the same lane was told it was "quarantined by
 * policy 'B' after repeated refusals", with {@code violated-policies: ["B"]}.
 */
class Issue14QuarantineReasonTest {

  private static final AgentIdentity AGENT = AgentIdentity.of("agent-a", IdentitySource.API_KEY);
  private static final Policy A =
      Policy.named("A")
          .lane("payments")
          .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
          .loopDetection(LoopDetection.after(1).within(Duration.ofMinutes(1)))
          .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
          .build();
  private static final Policy B =
      Policy.named("B")
          .lane("payments")
          .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
          .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
          .build();

  @Test
  void theRefusalNamesTheLaneThePolicyThatBoxedTheAgentItsCauseAndTheEnd() throws IOException {
    FakeTimeSource time = new FakeTimeSource(11);
    RecordingListener listener = new RecordingListener();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).listener(listener).build();
    AgentRequest loop = AgentRequest.of(AGENT, A).withFingerprint(RequestFingerprint.of(3, 4));
    assertThat(limiter.decide(loop).isAllowed()).isTrue();
    assertThat(limiter.decide(loop).reason()).isEqualTo(Reason.LOOP_DETECTED);
    time.advance(Duration.ofSeconds(15));

    Decision onB = limiter.decide(AgentRequest.of(AGENT, B));
    assertThat(onB.reason()).isEqualTo(Reason.QUARANTINED);
    assertThat(onB.policy()).contains("A");
    assertThat(onB.cause()).contains("loop-detected");
    assertThat(onB.retryAfter()).isEqualTo(Duration.ofSeconds(45));
    assertThat(onB.detail())
        .contains(
            "the agent is quarantined in lane 'payments' by policy 'A' after LOOP_DETECTED;"
                + " the quarantine ends in 45 s");

    String body = new String(HttpResponses.problemBody(onB), StandardCharsets.UTF_8);
    assertThat(body)
        .contains("\"violated-policies\":[\"A\"]")
        .contains("\"cause\":\"loop-detected\"")
        .contains("\"retryAfter\":45")
        .contains("lane 'payments'")
        .doesNotContain("\"B\"");
    assertThat(Files.readString(Path.of("../docs/http-contract.md"), StandardCharsets.UTF_8))
        .as("the documented body is the real one")
        .contains(body);

    QuarantineStatus status = limiter.admin().quarantined().get(0);
    assertThat(status.policy()).isEqualTo("A");
    assertThat(status.lane()).isEqualTo("payments");
    assertThat(status.cause()).isEqualTo(Reason.LOOP_DETECTED);
    assertThat(listener.of(LimiterEvent.Quarantined.class))
        .singleElement()
        .satisfies(q -> assertThat(q.policy()).isEqualTo("A"));
  }

  /**
   * A policy without any defence of its own, in a lane whose box holds the agent, refuses it too: the box is
   * the lane's. Before, the engine's path for policies without defences skipped the box.
   */
  @Test
  void aPlainPolicyInABoxedLaneRefusesOnEveryEntry() {
    FakeTimeSource time = new FakeTimeSource(11);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).build();
    Policy plain =
        Policy.named("plain").lane("payments").limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1))).build();
    Policy elsewhere =
        Policy.named("elsewhere").limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1))).build();
    AgentRequest loop = AgentRequest.of(AGENT, A).withFingerprint(RequestFingerprint.of(3, 4));
    limiter.decide(loop);
    assertThat(limiter.decide(loop).reason()).isEqualTo(Reason.LOOP_DETECTED);

    Decision decided = limiter.decide(AgentRequest.of(AGENT, plain));
    assertThat(decided.reason()).isEqualTo(Reason.QUARANTINED);
    assertThat(decided.policy()).contains("A");
    try (var admission = limiter.enter(AgentRequest.of(AGENT, plain))) {
      assertThat(admission.decision().reason()).isEqualTo(Reason.QUARANTINED);
    }
    assertThat(limiter.tryAcquire(AGENT, plain)).isFalse();
    assertThat(limiter.admin().inspect(AGENT, plain).get(0).remaining()).as("no token taken").isEqualTo(100);
    assertThat(limiter.tryAcquire(AGENT, elsewhere)).as("another lane").isTrue();
    time.advance(Duration.ofMinutes(1));
    assertThat(limiter.tryAcquire(AGENT, plain)).as("after the quarantine").isTrue();
  }

  @Test
  void aBoxForRepeatedRateRefusalsSaysSo() {
    FakeTimeSource time = new FakeTimeSource(11);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).build();
    Policy tight =
        Policy.named("tight")
            .lane("payments")
            .limit(Limit.capacity(1).refill(1).per(Duration.ofHours(1)))
            .quarantine(Quarantine.after(2).within(Duration.ofMinutes(1)))
            .build();
    for (int i = 0; i < 4; i++) {
      limiter.decide(AgentRequest.of(AGENT, tight));
    }
    Decision onB = limiter.decide(AgentRequest.of(AGENT, B));
    assertThat(onB.reason()).isEqualTo(Reason.QUARANTINED);
    assertThat(onB.policy()).contains("tight");
    assertThat(onB.cause()).contains("rate-limited");
  }
}
