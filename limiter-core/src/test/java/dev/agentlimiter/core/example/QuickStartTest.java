package dev.agentlimiter.core.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.core.AgentLimiters;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's quick start, compiled and run; the README must contain this region verbatim. */
class QuickStartTest {

  @Test
  void quickStart() {
    // tag::quickstart[]
    AgentLimiter limiter = AgentLimiters.newBuilder()
        .maximumTrackedAgents(100_000)        // memory stays bounded, whatever ids arrive
        .build();

    Policy search = Policy.named("search")
        .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"))
        .limit(Limit.capacity(600).refill(600).per(Duration.ofHours(1)).named("hourly"))
        .build();

    AgentIdentity agent = AgentIdentity.of("agent-42", IdentitySource.API_KEY);

    Decision decision = limiter.decide(AgentRequest.of(agent, search));
    System.out.printf("%s, %d left, retry after %d s%n",
        decision.reason(), decision.remaining(), decision.retryAfterSeconds());
    // prints "ALLOWED, 19 left, retry after 0 s"; decision.limits() holds the RateLimit header values
    // end::quickstart[]
    assertThat(decision.isAllowed()).isTrue();
    assertThat(decision.remaining()).isEqualTo(19);
  }

  @Test
  void theReadmeShowsTheCompiledQuickStart() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/dev/agentlimiter/core/example/QuickStartTest.java"),
            StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile("// tag::quickstart\\[]\\n(.*?)\\n\\s*// end::quickstart\\[]", Pattern.DOTALL)
            .matcher(source);
    assertThat(m.find()).isTrue();
    String snippet = m.group(1).stripIndent();
    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
    assertThat(readme).as("README.md quick start matches QuickStartTest").contains(snippet);
  }

  @Test
  void theExampleTellsTheStory() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BurstingAgentExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out.lines().filter(l -> l.contains("looping-agent") && l.contains("ALLOWED")).count())
        .isEqualTo(5 + 1 + 1);
    assertThat(out.lines().filter(l -> l.contains("RATE_LIMITED")).count()).isEqualTo(7 + 1);
    assertThat(out).contains("polite-agent  ALLOWED");
    assertThat(out).contains("Retry-After: 1 (exact 0.500s, burst)");
    assertThat(out).contains("50 retries: {ALLOWED=3, LOOP_DETECTED=1, QUARANTINED=46}");
    assertThat(out).contains("runaway-agent is quarantined for 60 s (level 1, cause LOOP_DETECTED)");
    assertThat(out).contains("polite-agent, same endpoint: ALLOWED");
  }
}
