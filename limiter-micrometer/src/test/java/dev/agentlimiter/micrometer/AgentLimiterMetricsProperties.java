package dev.agentlimiter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.jspecify.annotations.Nullable;

/** Whatever the events, the decision counters add up to them, per outcome, and so do the timers. */
class AgentLimiterMetricsProperties {

  /** One generated request's end; {@code null} fields are absent from the event. */
  record Spec(
      Reason reason,
      boolean shadow,
      @Nullable String policy,
      @Nullable String lane,
      @Nullable String tier,
      @Nullable String route,
      @Nullable String method,
      Ending ending) {

    DecisionEvent event(int i) {
      DecisionEvent.Builder b =
          DecisionEvent.builder()
              .time(Events.T0)
              .agentId("agent-" + i)
              .decision(Events.decision(reason, policy, "expired"))
              .shadow(shadow)
              .status(ending.status())
              .method(method)
              .route(route)
              .limiterTime(Duration.ofNanos(ending.limiterNanos()));
      if (lane != null) {
        b.lanes(List.of(lane));
      }
      if (tier != null) {
        b.agent(Events.agent("agent-" + i, tier));
      }
      return b.build();
    }

    String outcome() {
      return reason.isAllowed() ? "allowed" : shadow ? "shadow_refused" : "refused";
    }
  }

  /** The status answered (0 for none) and the limiter's time. */
  record Ending(int status, long limiterNanos) {}

  @Provide
  Arbitrary<List<Spec>> events() {
    Arbitrary<Ending> ending =
        Combinators.combine(
                Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(100, 999)),
                Arbitraries.longs().between(0, 10_000_000))
            .as(Ending::new);
    Arbitrary<Spec> spec =
        Combinators.combine(
                Arbitraries.of(Reason.class),
                Arbitraries.of(true, false),
                names("p"),
                names("lane"),
                names("tier"),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12)
                    .map(s -> "/" + s)
                    .injectNull(0.1),
                Arbitraries.of("GET", "POST", "DELETE", "BREW", "get").injectNull(0.1),
                ending)
            .as(Spec::new);
    return spec.list().ofMaxSize(300);
  }

  private static Arbitrary<@Nullable String> names(String prefix) {
    return Arbitraries.integers().between(0, 80).map(i -> prefix + i).injectNull(0.2);
  }

  @Property(tries = 300)
  void theCountersAddUpToTheEvents(
      @ForAll("events") List<Spec> specs,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 60) int maximumTagValues,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 60) int maximumRoutes) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AgentLimiterMetrics metrics =
        AgentLimiterMetrics.builder()
            .maximumTagValues(maximumTagValues)
            .maximumRoutes(maximumRoutes)
            .build();
    metrics.bindTo(registry);
    Map<String, Long> expected = new HashMap<>();
    Map<String, Long> expectedNanos = new HashMap<>();
    for (int i = 0; i < specs.size(); i++) {
      Spec spec = specs.get(i);
      metrics.onDecision(spec.event(i));
      expected.merge(spec.outcome(), 1L, Long::sum);
      expectedNanos.merge(spec.outcome(), spec.ending().limiterNanos(), Long::sum);
    }

    assertThat(Events.sum(registry, AgentLimiterMetrics.DECISIONS)).isEqualTo(specs.size());
    for (String outcome : List.of("allowed", "refused", "shadow_refused")) {
      double counted =
          registry.find(AgentLimiterMetrics.DECISIONS).tag("outcome", outcome).counters().stream()
              .mapToDouble(Counter::count)
              .sum();
      assertThat(counted).as(outcome).isEqualTo(expected.getOrDefault(outcome, 0L).doubleValue());
      var timer = registry.get(AgentLimiterMetrics.LIMITER_TIME).tag("outcome", outcome).timer();
      assertThat(timer.count()).as(outcome).isEqualTo(expected.getOrDefault(outcome, 0L));
      assertThat(timer.totalTime(TimeUnit.NANOSECONDS))
          .as(outcome)
          .isEqualTo(expectedNanos.getOrDefault(outcome, 0L).doubleValue());
    }
    for (String key : List.of("policy", "lane", "tier")) {
      assertThat(registry.find(AgentLimiterMetrics.DECISIONS).counters().stream()
              .map(c -> c.getId().getTag(key))
              .distinct())
          .as(key)
          .hasSizeLessThanOrEqualTo(maximumTagValues + 2);
    }
    assertThat(registry.find(AgentLimiterMetrics.DECISIONS).counters().stream()
            .map(c -> c.getId().getTag("route"))
            .distinct())
        .hasSizeLessThanOrEqualTo(maximumRoutes + 2);
  }

  @Property(tries = 50)
  void aSequenceIsCountedTheSameAsItsParts(@ForAll("events") @Size(min = 1) List<Spec> specs) {
    // Two metrics objects fed halves add up to one fed the whole, tag combination by combination.
    SimpleMeterRegistry whole = new SimpleMeterRegistry();
    SimpleMeterRegistry halves = new SimpleMeterRegistry();
    // Bounds above the generated names, so no name folds into OTHER in one and not in another.
    AgentLimiterMetrics one = unbounded();
    AgentLimiterMetrics first = unbounded();
    AgentLimiterMetrics second = unbounded();
    one.bindTo(whole);
    first.bindTo(halves);
    SimpleMeterRegistry secondRegistry = new SimpleMeterRegistry();
    second.bindTo(secondRegistry);
    int mid = specs.size() / 2;
    for (int i = 0; i < specs.size(); i++) {
      one.onDecision(specs.get(i).event(i));
      (i < mid ? first : second).onDecision(specs.get(i).event(i));
    }

    for (Counter counter : whole.find(AgentLimiterMetrics.DECISIONS).counters()) {
      var tags = counter.getId().getTags();
      Counter a = halves.find(AgentLimiterMetrics.DECISIONS).tags(tags).counter();
      Counter b = secondRegistry.find(AgentLimiterMetrics.DECISIONS).tags(tags).counter();
      double parts = (a == null ? 0 : a.count()) + (b == null ? 0 : b.count());
      assertThat(parts).as(tags.toString()).isEqualTo(counter.count());
    }
  }

  private static AgentLimiterMetrics unbounded() {
    return AgentLimiterMetrics.builder().maximumTagValues(1_000).maximumRoutes(10_000).build();
  }
}
