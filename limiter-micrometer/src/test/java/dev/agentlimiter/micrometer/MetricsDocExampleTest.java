package dev.agentlimiter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The example of docs/metrics.md, compiled and run: the doc must contain the tagged regions verbatim, and
 * every line of its Prometheus scrape must be in the real registry's scrape after the events shown.
 */
class MetricsDocExampleTest {

  private static final Path SOURCE =
      Path.of("src/test/java/dev/agentlimiter/micrometer/MetricsDocExampleTest.java");
  private static final Path DOC = Path.of("../docs/metrics.md");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final FakeAdmin admin = new FakeAdmin();

  /**
   * Stands for limiter-core's engine, which this module does not depend on: what the doc builds with
   * {@code AgentLimiters.newBuilder().listener(metrics)}. The test tells the listener what the engine would.
   */
  private AgentLimiter limiterWith(LimiterListener listener) {
    assertThat(listener).isNotNull();
    return new AgentLimiter() {
      @Override
      public Decision decide(AgentRequest request) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Admission enter(AgentRequest request) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Admission admit(RequestView request, Route route) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void report(AgentIdentity agent, Policy policy, Outcome outcome) {
        throw new UnsupportedOperationException();
      }

      @Override
      public boolean tryAcquire(AgentIdentity agent, Policy policy) {
        throw new UnsupportedOperationException();
      }

      @Override
      public LimiterAdmin admin() {
        return admin;
      }
    };
  }

  @Test
  void theExampleRuns() throws IOException {
    // tag::metrics[]
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder()          // no admin view yet
        .tags(Tags.of("service", "orders"))                              // on every meter
        .build();
    // end::metrics[]
    AgentLimiter limiter = limiterWith(metrics);
    // tag::bind[]
    metrics.attach(limiter.admin());                                     // now the gauges can read it
    metrics.bindTo(registry);                                            // Spring Boot does this for a bean
    // end::bind[]

    // What the engine tells its listener: two admissions and a refusal on one route, a quarantine.
    RateLimitStatus left = new RateLimitStatus("api", "minute", 60, Duration.ofMinutes(1), 57, Duration.ofSeconds(3));
    for (int i = 0; i < 2; i++) {
      metrics.onDecision(request(Decision.allowed(List.of(left)), 200));
    }
    metrics.onDecision(request(Decision.denied(Reason.RATE_LIMITED, "api", Duration.ofSeconds(3)), 429));
    metrics.onEvent(
        new LimiterEvent.Quarantined("agent-7", "default", "api", Duration.ofMinutes(5), 1, Reason.LOOP_DETECTED));
    admin.quarantine("agent-7", "default");
    admin.trackedAgents = 1;
    // A policy file's reload applied as generation 2, and a later bad edit refused (2 keeps running).
    metrics.onConfiguration(
        new ConfigurationEvent(Events.T0, true, 2, "/etc/agentlimiter/policy.yaml", Optional.empty()));
    metrics.onConfiguration(
        new ConfigurationEvent(
            Events.T0, false, 2, "/etc/agentlimiter/policy.yaml",
            Optional.of("/etc/agentlimiter/policy.yaml:4:15: /policies/api/limits/0/capacity: must be > 0 but was 0")));

    String scrape = registry.scrape();
    for (String line : scrapeLinesOfTheDoc()) {
      assertThat(scrape).as("docs/metrics.md shows this scrape line").contains(line);
    }
  }

  private static DecisionEvent request(Decision decision, int status) {
    return DecisionEvent.builder()
        .time(Events.T0)
        .agent(Events.agent("agent-7", "free"))
        .method("GET")
        .route("/orders/{id}")
        .policies(List.of("api"))
        .lanes(List.of("default"))
        .decision(decision)
        .status(status)
        .requestId("4bf92f3577b34da6a3ce929d0e0e4736")
        .limiterTime(Duration.ofNanos(25_000))
        .build();
  }

  private static List<String> scrapeLinesOfTheDoc() throws IOException {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("```text\\n(.*?)```", Pattern.DOTALL).matcher(doc);
    assertThat(m.find()).as("docs/metrics.md has a ```text scrape block").isTrue();
    List<String> lines = m.group(1).lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).isNotEmpty();
    return lines;
  }

  @Test
  void theDocShowsTheCompiledExample() throws IOException {
    String source = Files.readString(SOURCE, StandardCharsets.UTF_8);
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    for (String tag : new String[] {"metrics", "bind"}) {
      Matcher m =
          Pattern.compile("// tag::" + tag + "\\[]\\n(.*?)\\n\\s*// end::" + tag + "\\[]", Pattern.DOTALL)
              .matcher(source);
      assertThat(m.find()).as(tag).isTrue();
      assertThat(doc).as("docs/metrics.md region %s", tag).contains(m.group(1).stripIndent());
    }
  }
}
