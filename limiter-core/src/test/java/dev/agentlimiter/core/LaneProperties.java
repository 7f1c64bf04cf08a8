package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.RequestFingerprint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Lanes are independent: whatever an agent does in its egress lane (looping, exhausting buckets, getting
 * quarantined), the decisions in its inbound lane are exactly those of an engine that never saw the egress
 * traffic, and the other way round.
 */
class LaneProperties {

  private static final AgentIdentity AGENT = AgentIdentity.of("agent", IdentitySource.API_KEY);

  /** One request: lane 0 or 1, which of 3 fingerprints, and the pause before it. */
  record Call(int lane, int fingerprint, long pauseMillis) {}

  @Provide
  Arbitrary<List<Call>> calls() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 1),
            Arbitraries.integers().between(0, 2),
            Arbitraries.longs().between(0, 3000))
        .as(Call::new)
        .list()
        .ofMaxSize(120);
  }

  private static Policy policy(String lane) {
    return Policy.named(lane + "-policy")
        .lane(lane)
        .limit(Limit.capacity(5).refill(1).per(Duration.ofSeconds(1)))
        .loopDetection(LoopDetection.after(2).within(Duration.ofSeconds(5)))
        .quarantine(
            Quarantine.after(3).within(Duration.ofSeconds(10)).withDuration(Duration.ofSeconds(20)))
        .build();
  }

  @Property(tries = 500)
  void decisionsInOneLaneIgnoreTheOther(@ForAll("calls") List<Call> calls) {
    Policy[] lanes = {policy("inbound"), policy("egress")};
    for (int watched = 0; watched < 2; watched++) {
      List<Decision> together = run(calls, lanes, watched, true);
      List<Decision> alone = run(calls, lanes, watched, false);
      assertThat(together).as("lane %s", lanes[watched].lane()).isEqualTo(alone);
    }
  }

  /** The decisions of lane {@code watched}, with or without the other lane's calls interleaved. */
  private static List<Decision> run(List<Call> calls, Policy[] lanes, int watched, boolean both) {
    FakeTimeSource clock = new FakeTimeSource(99);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).build();
    List<Decision> decisions = new ArrayList<>();
    for (Call c : calls) {
      clock.advance(Duration.ofMillis(c.pauseMillis()));
      if (c.lane() != watched && !both) {
        continue;
      }
      RequestFingerprint fp = RequestFingerprint.builder("POST", "/r" + c.fingerprint()).build();
      Decision d = limiter.decide(AgentRequest.of(AGENT, lanes[c.lane()]).withFingerprint(fp));
      if (c.lane() == watched) {
        decisions.add(d);
      }
    }
    return decisions;
  }
}
