package dev.agentlimiter.core.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.core.AgentLimiters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The example of docs/threat-defences.md, compiled and run; the doc must contain the regions verbatim. */
class ThreatDefencesDocTest {

  private final AgentLimiter limiter = AgentLimiters.newBuilder().build();

  // tag::policy[]
  Policy orders = Policy.named("orders")
      .lane("inbound")
      .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)))
      .concurrency(ConcurrencyLimit.of(8))                                   // in flight per agent
      .loopDetection(LoopDetection.after(5).within(Duration.ofSeconds(10)))  // a retry storm > 5x in 10 s
      .burstDetection(BurstDetection.factor(8))                              // report fan-out spikes
      .quarantine(Quarantine.after(20).within(Duration.ofMinutes(1)))        // penalty box of the lane
      .reputation(Reputation.errorsAbove(20).within(Duration.ofMinutes(1)))  // AIMD on outcomes
      .budget(Budget.named("llm-tokens").amount(2_000_000).perDay())         // settled after the call
      .build();
  // end::policy[]

  private long tokensUsed = 1_200;

  private long callTheModel() {
    return tokensUsed;
  }

  int handle(AgentIdentity agent, byte[] body) {
    // tag::request[]
    RequestFingerprint fingerprint = RequestFingerprint.builder("POST", "/v1/orders")
        .query("b=2&a=1")
        .body(body, 0, body.length)          // only the first 8 KiB count
        .build();

    try (Admission admission = limiter.enter(
        AgentRequest.of(agent, orders).withFingerprint(fingerprint).withEstimate(1_000))) {
      Decision decision = admission.decision();
      if (!decision.isAllowed()) {
        return 429;                          // with Retry-After: decision.retryAfterSeconds()
      }
      long tokens = callTheModel();          // the real cost, known only now
      admission.complete(Outcome.ofStatus(200).withActualCost(tokens));
      return 200;
    }                                        // an exception ends the admission too: permit released
    // end::request[]
  }

  @Test
  void theExampleRunsAndLoopsAreCaught() {
    AgentIdentity agent = AgentIdentity.of("agent-7", IdentitySource.API_KEY);
    byte[] body = "{\"item\":42}".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 5; i++) {
      assertThat(handle(agent, body)).isEqualTo(200);
    }
    assertThat(handle(agent, body)).as("the sixth identical request").isEqualTo(429);
    assertThat(limiter.admin().budgetBalance(agent, "llm-tokens")).hasValue(2_000_000 - 5 * 1_200);
    assertThat(limiter.admin().inFlight(agent, orders)).isZero();
    assertThat(
            limiter
                .decide(AgentRequest.of(agent, orders)
                    .withFingerprint(RequestFingerprint.builder("POST", "/v1/orders").build()))
                .reason())
        .as("caught looping: the agent is in the penalty box of the lane for any request")
        .isEqualTo(Reason.QUARANTINED);
    AgentIdentity other = AgentIdentity.of("agent-8", IdentitySource.API_KEY);
    assertThat(handle(other, body)).as("another agent is unaffected").isEqualTo(200);
  }

  @Test
  void theDocShowsTheCompiledExample() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/dev/agentlimiter/core/example/ThreatDefencesDocTest.java"),
            StandardCharsets.UTF_8);
    String doc = Files.readString(Path.of("../docs/threat-defences.md"), StandardCharsets.UTF_8);
    for (String tag : new String[] {"policy", "request"}) {
      Matcher m =
          Pattern.compile(
                  "// tag::" + tag + "\\[]\\n(.*?)\\n\\s*// end::" + tag + "\\[]", Pattern.DOTALL)
              .matcher(source);
      assertThat(m.find()).isTrue();
      assertThat(doc).as("docs/threat-defences.md region %s", tag).contains(m.group(1).stripIndent());
    }
  }
}
