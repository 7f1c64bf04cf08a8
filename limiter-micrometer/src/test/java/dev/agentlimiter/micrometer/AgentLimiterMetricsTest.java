package dev.agentlimiter.micrometer;

import static dev.agentlimiter.micrometer.Events.event;
import static dev.agentlimiter.micrometer.Events.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AgentLimiterMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private AgentLimiterMetrics bound(AgentLimiterMetrics metrics) {
    metrics.bindTo(registry);
    return metrics;
  }

  @Test
  void aDecisionIsCountedWithItsBoundedTags() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());

    metrics.onDecision(
        event("agent-7", Reason.RATE_LIMITED, "api").agent(Events.agent("agent-7", "free")).lanes(List.of("writes", "default")).build());

    Counter counter = registry.get(AgentLimiterMetrics.DECISIONS).counter();
    assertThat(counter.count()).isEqualTo(1.0);
    assertThat(counter.getId().getTags())
        .containsExactlyInAnyOrder(
            Tag.of("outcome", "refused"),
            Tag.of("reason", "rate_limited"),
            Tag.of("policy", "api"),
            Tag.of("lane", "writes"),
            Tag.of("tier", "free"),
            Tag.of("route", "/orders/{id}"),
            Tag.of("method", "GET"),
            Tag.of("status", "4xx"));
  }

  @Test
  void absentValuesAreTaggedNone() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());

    metrics.onDecision(
        DecisionEvent.builder().time(Events.T0).agentId("ip:192.0.2.1").decision(Decision.allowed()).build());

    assertThat(registry.get(AgentLimiterMetrics.DECISIONS).counter().getId().getTags())
        .containsExactlyInAnyOrder(
            Tag.of("outcome", "allowed"),
            Tag.of("reason", "allowed"),
            Tag.of("policy", "none"),
            Tag.of("lane", "none"),
            Tag.of("tier", "none"),
            Tag.of("route", "none"),
            Tag.of("method", "none"),
            Tag.of("status", "none"));
  }

  @Test
  void mixedReasonsAreCountedExactlyAndTheTimerSumsTheLimiterTime() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());
    Reason[] reasons = Reason.values();
    Map<Reason, Integer> expected = new EnumMap<>(Reason.class);
    int n = 10_007;
    long totalNanos = 0;
    for (int i = 0; i < n; i++) {
      Reason reason = reasons[(i * 7 + i / 3) % reasons.length];
      long nanos = 500 + (i % 97) * 1_003L;
      totalNanos += nanos;
      expected.merge(reason, 1, Integer::sum);
      metrics.onDecision(
          event("agent-" + (i % 13), reason, "p" + (i % 3)).limiterTime(Duration.ofNanos(nanos)).build());
    }

    for (Reason reason : reasons) {
      double counted =
          registry.find(AgentLimiterMetrics.DECISIONS).tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT)).counters()
              .stream()
              .mapToDouble(Counter::count)
              .sum();
      assertThat(counted).as(reason.name()).isEqualTo(expected.getOrDefault(reason, 0).doubleValue());
    }
    assertThat(sum(registry, AgentLimiterMetrics.DECISIONS)).isEqualTo(n);
    long timed = 0;
    double timedNanos = 0;
    for (Timer timer : registry.find(AgentLimiterMetrics.LIMITER_TIME).timers()) {
      timed += timer.count();
      timedNanos += timer.totalTime(TimeUnit.NANOSECONDS);
    }
    assertThat(timed).isEqualTo(n);
    assertThat(timedNanos).isEqualTo((double) totalNanos);
    int allowed = expected.getOrDefault(Reason.ALLOWED, 0);
    assertThat(registry.get(AgentLimiterMetrics.LIMITER_TIME).tag("outcome", "allowed").timer().count())
        .isEqualTo(allowed);
    assertThat(registry.get(AgentLimiterMetrics.LIMITER_TIME).tag("outcome", "refused").timer().count())
        .isEqualTo(n - allowed);
  }

  @Test
  void aShadowRouteReportsWouldBeRefusalsApart() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());

    metrics.onDecision(event("a", Reason.RATE_LIMITED, "api").shadow(true).status(200).build());
    metrics.onDecision(event("a", Reason.ALLOWED, "api").shadow(true).build());
    metrics.onDecision(event("a", Reason.RATE_LIMITED, "api").build());

    assertThat(outcome("shadow_refused")).isEqualTo(1.0);
    assertThat(outcome("allowed")).isEqualTo(1.0);
    assertThat(outcome("refused")).isEqualTo(1.0);
    assertThat(
            registry.get(AgentLimiterMetrics.DECISIONS).tag("outcome", "shadow_refused").counter().getId()
                .getTag("status"))
        .isEqualTo("2xx");
    assertThat(registry.get(AgentLimiterMetrics.LIMITER_TIME).tag("outcome", "shadow_refused").timer().count())
        .isEqualTo(1);
  }

  private double outcome(String outcome) {
    return registry.find(AgentLimiterMetrics.DECISIONS).tag("outcome", outcome).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  @Test
  void credentialFailuresAreFailedCredentialsAndTheGuardsRefusals() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());

    metrics.onDecision(unauthenticated(Decision.CAUSE_MISSING_CREDENTIAL)); // no credential: not a failure
    metrics.onDecision(unauthenticated("expired"));
    metrics.onDecision(unauthenticated("bad-signature"));
    metrics.onDecision(event("ip:192.0.2.1", Reason.RATE_LIMITED, "invalid-credentials").build());
    metrics.onDecision(event("agent-1", Reason.RATE_LIMITED, "api").build()); // an ordinary limit
    metrics.onDecision(event("agent-1", Reason.FORBIDDEN, null).build());

    assertThat(registry.get(AgentLimiterMetrics.CREDENTIAL_FAILURES).counter().count()).isEqualTo(3.0);
    assertThat(AgentLimiterMetrics.CREDENTIAL_FAILURES_POLICY).isEqualTo("invalid-credentials");
  }

  private static DecisionEvent unauthenticated(String cause) {
    return DecisionEvent.builder()
        .time(Events.T0)
        .agentId("ip:192.0.2.1")
        .decision(Decision.refused(Reason.UNAUTHENTICATED, cause, "who are you?"))
        .status(401)
        .build();
  }

  @Test
  void detectorEventsAreCountedByTypePolicyAndLane() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());
    RequestFingerprint fp = RequestFingerprint.of(1, 2);

    metrics.onEvent(new LimiterEvent.LoopDetected("a", "api", fp, false, Duration.ofSeconds(5)));
    metrics.onEvent(new LimiterEvent.LoopDetected("b", "api", fp, true, Duration.ofSeconds(5)));
    metrics.onEvent(new LimiterEvent.BurstDetected("a", "api", 50, 20, true));
    metrics.onEvent(
        new LimiterEvent.Quarantined("a", "writes", "api", Duration.ofMinutes(1), 1, Reason.LOOP_DETECTED));
    metrics.onEvent(new LimiterEvent.QuarantineReleased("a", "writes"));
    metrics.onEvent(new LimiterEvent.ReputationChanged("a", "api", 100, 50));
    metrics.onEvent(new LimiterEvent.BudgetExhausted("a", "tokens", -3, Duration.ofHours(1)));
    metrics.onEvent(new LimiterEvent.PermitReclaimed("a", "search", Duration.ofMinutes(10)));

    assertThat(detector("loop_detected", "api", "none")).isEqualTo(2.0);
    assertThat(detector("burst_detected", "api", "none")).isEqualTo(1.0);
    assertThat(detector("quarantined", "api", "writes")).isEqualTo(1.0);
    assertThat(detector("quarantine_released", "none", "writes")).isEqualTo(1.0);
    assertThat(detector("reputation_changed", "api", "none")).isEqualTo(1.0);
    assertThat(detector("budget_exhausted", "none", "none")).isEqualTo(1.0);
    assertThat(detector("permit_reclaimed", "search", "none")).isEqualTo(1.0);
    // a refusal before the policies is a decision event, counted in agentlimiter.decisions only
    assertThat(sum(registry, AgentLimiterMetrics.DETECTOR_EVENTS)).isEqualTo(8.0);
    assertThat(registry.find(AgentLimiterMetrics.DECISIONS).counters()).isEmpty();
  }

  private double detector(String type, String policy, String lane) {
    return registry
        .get(AgentLimiterMetrics.DETECTOR_EVENTS)
        .tags("type", type, "policy", policy, "lane", lane)
        .counter()
        .count();
  }

  @Test
  void methodsOutsideRfc9110AndStatusesAreBounded() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());

    for (String method : List.of("GET", "get", "BREW", "X-" + System.nanoTime(), "PATCH", "")) {
      metrics.onDecision(event("a", Reason.ALLOWED, "api").method(method).status(503).build());
    }
    metrics.onDecision(event("a", Reason.ALLOWED, "api").status(999).build());
    metrics.onDecision(event("a", Reason.ALLOWED, "api").status(0).build());

    assertThat(tagValues(AgentLimiterMetrics.DECISIONS, "method"))
        .containsExactlyInAnyOrder("GET", "OTHER", "PATCH", "none");
    assertThat(tagValues(AgentLimiterMetrics.DECISIONS, "status"))
        .containsExactlyInAnyOrder("5xx", "9xx", "none");
    assertThat(registry.get(AgentLimiterMetrics.DECISIONS).tag("method", "OTHER").counter().count())
        .isEqualTo(3.0);
  }

  private List<String> tagValues(String name, String key) {
    return registry.find(name).meters().stream()
        .map(m -> m.getId().getTag(key))
        .distinct()
        .toList();
  }

  @Test
  void namesAndTagsAreBoundedPerTagFirstSeenFirstKept() {
    AgentLimiterMetrics metrics =
        bound(AgentLimiterMetrics.builder().maximumRoutes(2).maximumTagValues(3).build());

    for (int i = 0; i < 10; i++) {
      metrics.onDecision(
          event("a", Reason.RATE_LIMITED, "policy-" + i)
              .route("/r" + i)
              .agent(Events.agent("a", "tier-" + i))
              .lanes(List.of("lane-" + i))
              .build());
    }
    metrics.onDecision(event("a", Reason.ALLOWED, "api").route("/" + "x".repeat(300)).build());

    assertThat(tagValues(AgentLimiterMetrics.DECISIONS, "route"))
        .containsExactlyInAnyOrder("/r0", "/r1", "OTHER");
    assertThat(tagValues(AgentLimiterMetrics.DECISIONS, "policy"))
        .containsExactlyInAnyOrder("policy-0", "policy-1", "policy-2", "OTHER", "none");
    assertThat(tagValues(AgentLimiterMetrics.DECISIONS, "tier"))
        .containsExactlyInAnyOrder("tier-0", "tier-1", "tier-2", "OTHER", "none");
    // "default", the last event's lane, came after three others: OTHER.
    assertThat(tagValues(AgentLimiterMetrics.DECISIONS, "lane"))
        .containsExactlyInAnyOrder("lane-0", "lane-1", "lane-2", "OTHER");
  }

  @Test
  void onlyTheRoutesGivenAreTagged() {
    AgentLimiterMetrics metrics =
        bound(AgentLimiterMetrics.builder().routes(List.of("/orders/{id}", "/health")).build());

    metrics.onDecision(event("a", Reason.ALLOWED, "api").route("/orders/17").build());
    metrics.onDecision(event("a", Reason.ALLOWED, "api").route("/health").build());
    metrics.onDecision(event("a", Reason.ALLOWED, "api").route("/orders/{id}").build());

    assertThat(tagValues(AgentLimiterMetrics.DECISIONS, "route"))
        .containsExactlyInAnyOrder("/orders/{id}", "/health", "OTHER");
  }

  @Test
  void withoutRouteTagsTheDecisionsHaveNoRouteTag() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().routeTags(false).build());

    metrics.onDecision(event("a", Reason.ALLOWED, "api").route("/a").build());
    metrics.onDecision(event("a", Reason.ALLOWED, "api").route("/b").build());

    Counter counter = registry.get(AgentLimiterMetrics.DECISIONS).counter();
    assertThat(counter.count()).isEqualTo(2.0);
    assertThat(counter.getId().getTag("route")).isNull();
  }

  @Test
  void thePrefixAndTheCommonTagsApplyToEveryMeter() {
    FakeAdmin admin = new FakeAdmin();
    AgentLimiterMetrics metrics =
        bound(
            AgentLimiterMetrics.builder(admin)
                .prefix("agent.limiter")
                .tags(Tags.of("service", "orders", "region", "eu"))
                .build());
    metrics.onDecision(event("a", Reason.ALLOWED, "api").build());
    metrics.onEvent(new LimiterEvent.ReputationChanged("a", "api", 100, 90));

    List<String> names =
        registry.getMeters().stream().map(m -> m.getId().getName()).distinct().sorted().toList();
    assertThat(names)
        .containsExactly(
            "agent.limiter.agents.quarantined",
            "agent.limiter.agents.tracked",
            "agent.limiter.audit.suppressed",
            "agent.limiter.config.generation",
            "agent.limiter.config.reloads",
            "agent.limiter.credential.failures",
            "agent.limiter.decisions",
            "agent.limiter.detector.events",
            "agent.limiter.limiter.time",
            "agent.limiter.requests.in.flight");
    for (Meter meter : registry.getMeters()) {
      assertThat(meter.getId().getTags()).contains(Tag.of("service", "orders"), Tag.of("region", "eu"));
    }
  }

  @Test
  void percentileHistogramIsOffByDefault() {
    PrometheusMeterRegistry plain = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PrometheusMeterRegistry histogram = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AgentLimiterMetrics.builder().build().bindTo(plain);
    AgentLimiterMetrics.builder().percentileHistogram(true).build().bindTo(histogram);

    assertThat(plain.scrape())
        .contains("agentlimiter_limiter_time_seconds_count")
        .doesNotContain("agentlimiter_limiter_time_seconds_bucket");
    assertThat(histogram.scrape()).contains("agentlimiter_limiter_time_seconds_bucket");
  }

  @Test
  void auditSuppressedAddsPositiveCounts() {
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();
    metrics.recordAuditSuppressed(5); // before bindTo: dropped
    metrics.bindTo(registry);

    metrics.recordAuditSuppressed(3);
    metrics.recordAuditSuppressed(0);
    metrics.recordAuditSuppressed(-4);
    java.util.function.LongConsumer callback = metrics::recordAuditSuppressed;
    callback.accept(2);

    assertThat(registry.get(AgentLimiterMetrics.AUDIT_SUPPRESSED).counter().count()).isEqualTo(5.0);
  }

  @Test
  void bindingTwiceToTheSameRegistryDoesNothingAndToAnotherIsRefused() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());
    int meters = registry.getMeters().size();

    metrics.bindTo(registry);

    assertThat(registry.getMeters()).hasSize(meters);
    assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already bound to another registry");
  }

  @Test
  void theBuilderValidatesAtOnceAndNamesTheOption() {
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().prefix("Agent Limiter"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "prefix: must be 1 to 64 characters of dot-separated lower-case words but was 'Agent Limiter'");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().prefix("agent..limiter"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().prefix("a").prefix("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("prefix was already set");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().maximumRoutes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumRoutes must be between 1 and 10000 but was 0");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().maximumTagValues(1_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumTagValues must be between 1 and 1000 but was 1001");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().maximumTagValues(5).maximumTagValues(5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maximumTagValues was already set");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().tags(Tags.of("route", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tags: key 'route' is one of the meters' own tags");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().routes(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("routes: number of patterns must be between 1 and 10000 but was 0");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().routes(List.of("")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("routes: a pattern must have 1 to 256 characters but had 0");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().maximumRoutes(5).routes(List.of("/a")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("routes: maximumRoutes was already set");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().routes(List.of("/a")).maximumRoutes(5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maximumRoutes: routes were already given");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().routeTags(false).maximumRoutes(5).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("routeTags is false, so maximumRoutes and routes have nothing to bound");
    assertThatThrownBy(() -> AgentLimiterMetrics.builder().routeTags(true).routeTags(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("routeTags was already set");
  }

  @Test
  void everyReasonFitsTheKey() {
    // The packed key holds a reason in 4 bits; a 17th reason needs a wider field.
    assertThat(Reason.values().length).isLessThanOrEqualTo(16);
  }

  @Test
  void aRegistryThatRefusesEveryMeterIsHarmless() {
    registry.config().meterFilter(MeterFilter.deny());
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder(new FakeAdmin()).build());

    assertThatCode(
            () -> {
              metrics.onDecision(event("a", Reason.ALLOWED, "api").build());
              metrics.onEvent(new LimiterEvent.ReputationChanged("a", "api", 100, 90));
              metrics.recordAuditSuppressed(1);
            })
        .doesNotThrowAnyException();
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void aConflictingMeterInThePrometheusRegistryNeverReachesTheLimiter() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Someone else's meter of the same name with other tag keys: Prometheus leaves ours out of the scrape.
    Counter.builder(AgentLimiterMetrics.DECISIONS).tag("foo", "bar").register(prometheus).increment();
    AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();
    metrics.bindTo(prometheus);

    assertThatCode(
            () -> {
              for (int i = 0; i < 3; i++) {
                metrics.onDecision(event("a", Reason.RATE_LIMITED, "api").build());
              }
            })
        .doesNotThrowAnyException();
    // The meters that do not conflict still count.
    assertThat(prometheus.get(AgentLimiterMetrics.LIMITER_TIME).tag("outcome", "refused").timer().count())
        .isEqualTo(3);
  }

  @Test
  void aRegistryThatThrowsOnRegistrationNeverReachesTheLimiter() {
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        if (id.getName().equals(AgentLimiterMetrics.DECISIONS)
            || id.getName().equals(AgentLimiterMetrics.DETECTOR_EVENTS)) {
          throw new IllegalStateException("refused: " + id.getName());
        }
        return id;
      }
    });
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());

    assertThatCode(
            () -> {
              for (int i = 0; i < 3; i++) {
                metrics.onDecision(event("a", Reason.UNAUTHENTICATED, null).build());
                metrics.onEvent(new LimiterEvent.ReputationChanged("a", "api", 100, 90));
              }
            })
        .doesNotThrowAnyException();
    assertThat(registry.find(AgentLimiterMetrics.DECISIONS).counters()).isEmpty();
    // The rest of the event is still recorded.
    assertThat(registry.get(AgentLimiterMetrics.LIMITER_TIME).tag("outcome", "refused").timer().count())
        .isEqualTo(3);
    assertThat(registry.get(AgentLimiterMetrics.CREDENTIAL_FAILURES).counter().count()).isEqualTo(3.0);
  }

  @Test
  void theAgentAndTheRequestAreNeverTags() {
    AgentLimiterMetrics metrics = bound(AgentLimiterMetrics.builder().build());

    metrics.onDecision(event("agent-secret-7", Reason.ALLOWED, "api").requestId("trace-0af7651916cd43dd").build());

    assertThat(registry.getMeters())
        .flatMap(m -> m.getId().getTags())
        .extracting(Tag::getValue)
        .doesNotContain("agent-secret-7", "trace-0af7651916cd43dd", "req-agent-secret-7");
  }
}
