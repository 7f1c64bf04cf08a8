package dev.agentlimiter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * 100,000 distinct agents and 10,000 distinct raw paths, as an adapter that misreports paths as routes
 * would send them, through one registry: the number of meters stays under a bound computed from the
 * configuration, and no agent id (or, with {@code routes}, no raw path) is ever a tag value.
 */
class CardinalityTest {

  private static final int AGENTS = 100_000;
  private static final int PATHS = 10_000;
  private static final int EVENTS = 200_000;
  private static final int MAXIMUM_ROUTES = 20;

  private static final List<String> POLICIES = List.of("api", "search");
  private static final List<String> LANES = List.of("default", "writes");
  private static final List<String> TIERS = List.of("free", "pro");
  private static final List<String> METHODS = List.of("GET", "POST");
  private static final Reason[] REASONS = {Reason.ALLOWED, Reason.RATE_LIMITED, Reason.UNAUTHENTICATED};

  private static String agent(int i) {
    return "agent-" + (i % AGENTS);
  }

  private static String rawPath(int i) {
    return "/orders/" + (i % PATHS) + "/items";
  }

  /** Event {@code i}: every agent and every path appears, the configured names cycle. */
  private static DecisionEvent event(int i) {
    Reason reason = REASONS[i % REASONS.length];
    boolean refusedBeforePolicies = reason == Reason.UNAUTHENTICATED;
    String policy = POLICIES.get(i / 3 % POLICIES.size());
    DecisionEvent.Builder b =
        DecisionEvent.builder()
            .time(Events.T0)
            .agentId(agent(i))
            .requestId("req-" + i)
            .method(METHODS.get(i / 7 % METHODS.size()))
            .route(rawPath(i))
            .shadow(i % 11 == 0)
            .status(Events.status(reason))
            .limiterTime(Duration.ofNanos(i % 5_000))
            .decision(Events.decision(reason, policy, "bad-signature"));
    if (!refusedBeforePolicies) {
      b.agent(Events.agent(agent(i), TIERS.get(i / 5 % TIERS.size())))
          .policies(List.of(policy))
          .lanes(List.of(LANES.get(i / 13 % LANES.size())));
    }
    return b.build();
  }

  private static void feed(AgentLimiterMetrics metrics) {
    for (int i = 0; i < EVENTS; i++) {
      metrics.onDecision(event(i));
      if (i % 10 == 0) {
        metrics.onEvent(
            new LimiterEvent.LoopDetected(
                agent(i), POLICIES.get(i % 2), RequestFingerprint.of(i, i), false, Duration.ofSeconds(1)));
        metrics.onEvent(
            new LimiterEvent.Quarantined(
                agent(i), LANES.get(i % 2), POLICIES.get(i % 2), Duration.ofSeconds(1), 1, Reason.RATE_LIMITED));
      }
    }
  }

  /**
   * The most meters the configuration allows for this traffic: per tag, the values its generator can
   * produce (plus {@code none} where it can be absent, and at most {@code maximumRoutes} routes plus
   * {@code OTHER}), multiplied; plus the fixed meters and the detector counters.
   */
  private static long bound(int routeValues) {
    long outcomes = 3;
    long reasons = REASONS.length;
    long policies = POLICIES.size() + 1L; // none: an UNAUTHENTICATED refusal names no policy
    long lanes = LANES.size() + 1L;
    long tiers = TIERS.size() + 1L;
    long methods = METHODS.size();
    long statuses = 2; // 2xx, 4xx
    long decisions = outcomes * reasons * policies * lanes * tiers * routeValues * methods * statuses;
    long timers = 3;
    long singleCounters = 4; // credential failures, audit suppressed, config reloads applied and refused
    long gauges = 4;
    long detector = 2 /* types */ * policies * lanes;
    return decisions + timers + singleCounters + gauges + detector;
  }

  @Test
  void aFloodOfAgentsAndRawPathsStaysUnderTheBound() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AgentLimiterMetrics metrics =
        AgentLimiterMetrics.builder(new FakeAdmin()).maximumRoutes(MAXIMUM_ROUTES).build();
    metrics.bindTo(registry);

    feed(metrics);

    long bound = bound(MAXIMUM_ROUTES + 1);
    assertThat(bound).isLessThan(EVENTS / 5); // the bound means something
    assertThat(registry.getMeters()).hasSizeLessThanOrEqualTo((int) bound);
    Set<String> routes = tagValues(registry, "route");
    assertThat(routes).hasSizeLessThanOrEqualTo(MAXIMUM_ROUTES + 1).contains(AgentLimiterMetrics.OTHER);
    // First seen, first kept: the bound stops the flood, but the first paths did become tags.
    Set<String> firstPaths = new HashSet<>();
    for (int i = 0; firstPaths.size() < MAXIMUM_ROUTES; i++) {
      firstPaths.add(rawPath(i));
    }
    assertThat(routes).isSubsetOf(union(firstPaths, Set.of(AgentLimiterMetrics.OTHER)));
    assertNoAgentIsATag(registry);
    assertThat(Events.sum(registry, AgentLimiterMetrics.DECISIONS)).isEqualTo(EVENTS);
  }

  @Test
  void withTheRoutesGivenNoRawPathIsEverATag() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AgentLimiterMetrics metrics =
        AgentLimiterMetrics.builder(new FakeAdmin()).routes(List.of("/orders/{id}/items")).build();
    metrics.bindTo(registry);

    feed(metrics);

    assertThat(registry.getMeters()).hasSizeLessThanOrEqualTo((int) bound(2));
    assertThat(tagValues(registry, "route")).containsExactly(AgentLimiterMetrics.OTHER);
    Set<String> everyValue = allTagValues(registry);
    for (int i = 0; i < PATHS; i++) {
      assertThat(everyValue).doesNotContain(rawPath(i));
    }
    assertNoAgentIsATag(registry);
  }

  @Test
  void floodedNamesFoldIntoOtherEvenWhenEveryTagFloods() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    int maximum = 2;
    AgentLimiterMetrics metrics =
        AgentLimiterMetrics.builder().maximumRoutes(maximum).maximumTagValues(maximum).build();
    metrics.bindTo(registry);

    // A tier claim with a value per token, and generated policy and lane names.
    for (int i = 0; i < AGENTS; i++) {
      String policy = "p" + i;
      metrics.onDecision(
          DecisionEvent.builder()
              .time(Events.T0)
              .agent(Events.agent(agent(i), "tier-" + i))
              .method("GET")
              .route(rawPath(i))
              .policies(List.of(policy))
              .lanes(List.of("lane" + i))
              .decision(Decision.denied(Reason.RATE_LIMITED, policy, Duration.ofSeconds(1)))
              .status(429)
              .build());
    }

    // Each of policy, lane, tier and route takes at most `maximum` names plus OTHER.
    long perTag = maximum + 1L;
    assertThat(registry.find(AgentLimiterMetrics.DECISIONS).counters())
        .hasSizeLessThanOrEqualTo((int) (perTag * perTag * perTag * perTag));
    for (String key : List.of("policy", "lane", "tier", "route")) {
      assertThat(tagValues(registry, key)).as(key).hasSizeLessThanOrEqualTo((int) perTag);
    }
    assertNoAgentIsATag(registry);
    assertThat(Events.sum(registry, AgentLimiterMetrics.DECISIONS)).isEqualTo(AGENTS);
  }

  private static void assertNoAgentIsATag(SimpleMeterRegistry registry) {
    Set<String> values = allTagValues(registry);
    for (int i = 0; i < AGENTS; i++) {
      assertThat(values).doesNotContain(agent(i));
    }
    assertThat(values).noneMatch(v -> v.startsWith("agent-") || v.startsWith("req-"));
  }

  private static Set<String> tagValues(SimpleMeterRegistry registry, String key) {
    return registry.getMeters().stream()
        .map(m -> m.getId().getTag(key))
        .filter(v -> v != null)
        .collect(Collectors.toSet());
  }

  private static Set<String> allTagValues(SimpleMeterRegistry registry) {
    return registry.getMeters().stream()
        .flatMap(m -> m.getId().getTags().stream())
        .map(Tag::getValue)
        .collect(Collectors.toSet());
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
