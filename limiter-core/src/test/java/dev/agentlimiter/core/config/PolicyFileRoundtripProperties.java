package dev.agentlimiter.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.api.StateInheritance;
import dev.agentlimiter.core.config.PolicyFiles.Format;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;

/**
 * The canonical text is the configuration: for every valid {@link PolicySet} (policies with any limits,
 * lanes, costs and defences, per-policy and set-wide inheritance, a credential-failure limit, tier
 * overrides, routes that name the set's policies or define their own, with scopes, anonymity, shadow mode
 * and request rules), {@code parse(write(set, f), f).policies()} equals {@code set} in both formats,
 * writing what was parsed gives the same text again, and the published JSON Schema accepts the text.
 */
class PolicyFileRoundtripProperties {

  /** Names, including words YAML 1.1 would read as booleans, nulls or numbers. */
  private static Arbitrary<String> names() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789._-").ofMinLength(1).ofMaxLength(12),
        Arbitraries.of(
            "no", "off", "yes", "on", "y", "n", "true", "False", "null", "Null", "1", "0x1F", "1e3", ".5",
            "-", "-1", "1_000", "0o7", ".inf", ".NaN", "search", "a.b", "_", "0777", "1.0"));
  }

  private static Arbitrary<Duration> durations(Duration min, Duration max) {
    return Arbitraries.oneOf(
            Arbitraries.of(
                Duration.ofMillis(1), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(90),
                Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofHours(24),
                Duration.ofDays(1), Duration.ofNanos(1_500_000_001L), Duration.ofNanos(1234567)),
            Arbitraries.longs().between(min.toMillis(), Math.min(max.toMillis(), 10_000_000)).map(Duration::ofMillis))
        .filter(d -> d.compareTo(min) >= 0 && d.compareTo(max) <= 0);
  }

  /** The builder's result, or empty where the builder refuses the combination. */
  private static <T> Optional<T> attempt(Supplier<T> build) {
    try {
      return Optional.of(build.get());
    } catch (IllegalArgumentException | IllegalStateException e) {
      return Optional.empty();
    }
  }

  private static <T> Arbitrary<T> valid(Arbitrary<Optional<T>> candidates) {
    return candidates.filter(Optional::isPresent).map(Optional::get);
  }

  private static Arbitrary<Limit> limits() {
    return valid(
        Combinators.combine(
                Arbitraries.longs().between(1, 1_000_000),
                Arbitraries.longs().between(1, 1000),
                durations(Duration.ofMillis(1), Duration.ofHours(1)),
                names().injectNull(0.5),
                Arbitraries.doubles().between(0, 1).injectNull(0.7))
            .as(
                (capacity, refill, period, name, initial) ->
                    attempt(
                        () -> {
                          Limit l = Limit.capacity(capacity).refill(refill).per(period);
                          if (name != null) {
                            l = l.named(name);
                          }
                          if (initial != null) {
                            l = l.withInitialTokens((long) (initial * capacity));
                          }
                          return l;
                        })));
  }

  private static Arbitrary<ConcurrencyLimit> concurrency() {
    return valid(
        Combinators.combine(
                Arbitraries.integers().between(1, 100_000),
                durations(Duration.ofMillis(1), Duration.ofDays(1)),
                durations(Duration.ofMillis(1), Duration.ofHours(1)))
            .as((n, hold, retry) -> attempt(() -> ConcurrencyLimit.of(n).withMaxHold(hold).withRetryAfter(retry))));
  }

  private static Arbitrary<LoopDetection> loops() {
    return valid(
        Combinators.combine(
                Arbitraries.integers().between(1, 64),
                durations(Duration.ofMillis(1), Duration.ofDays(1)),
                Arbitraries.integers().between(1, 64).injectNull(0.5),
                durations(Duration.ofMillis(1), Duration.ofHours(1)),
                durations(Duration.ofHours(1), Duration.ofDays(1)),
                Arbitraries.integers().between(1, 256))
            .as(
                (repeats, window, errors, backoff, max, tracked) ->
                    attempt(
                        () -> {
                          LoopDetection d = LoopDetection.after(repeats).within(window);
                          if (errors != null) {
                            d = d.withErrorRepeats(errors);
                          }
                          return d.withBackoff(backoff, max).withTrackedFingerprints(tracked);
                        })));
  }

  private static Arbitrary<BurstDetection> bursts() {
    return valid(
        Combinators.combine(
                Arbitraries.integers().between(2, 1000),
                durations(Duration.ofMillis(1), Duration.ofMinutes(1)),
                Arbitraries.integers().between(2, 10_000),
                Arbitraries.longs().between(1, 1_000_000),
                Arbitraries.of(BurstDetection.Mode.class))
            .as(
                (factor, window, windows, minimum, mode) ->
                    attempt(
                        () ->
                            BurstDetection.factor(factor)
                                .withWindows(window, window.multipliedBy(windows))
                                .withMinimumRate(minimum)
                                .withMode(mode))));
  }

  private static Arbitrary<Quarantine> quarantines() {
    return valid(
        Combinators.combine(
                Arbitraries.integers().between(1, 64),
                durations(Duration.ofMillis(1), Duration.ofDays(1)),
                durations(Duration.ofMillis(1), Duration.ofHours(1)),
                durations(Duration.ofHours(1), Duration.ofDays(30)),
                durations(Duration.ofMillis(1), Duration.ofDays(30)),
                Arbitraries.of(true, false))
            .as(
                (denials, within, first, cap, decay, onLoop) ->
                    attempt(
                        () ->
                            Quarantine.after(denials)
                                .within(within)
                                .withDuration(first, cap)
                                .withDecayAfter(decay)
                                .withOnLoop(onLoop))));
  }

  private static Arbitrary<Reputation> reputations() {
    return valid(
        Combinators.combine(
                Arbitraries.integers().between(0, 99),
                durations(Duration.ofMillis(1), Duration.ofDays(1)),
                Arbitraries.integers().between(1, 1_000_000),
                Arbitraries.integers().between(1, 99),
                Arbitraries.integers().between(1, 100),
                Arbitraries.integers().between(1, 100),
                Arbitraries.integers().between(1, 100))
            .as(
                (errors, window, samples, keep, add, floor, ceiling) ->
                    attempt(
                        () ->
                            Reputation.errorsAbove(errors)
                                .within(window)
                                .withMinimumSamples(samples)
                                .withSteps(keep, add)
                                .withBounds(Math.min(floor, ceiling), Math.max(floor, ceiling)))));
  }

  private static Arbitrary<Budget> budgets() {
    return valid(
        Combinators.combine(
                names(),
                Arbitraries.longs().between(1, 1_000_000_000_000_000L),
                Arbitraries.of(Budget.Reset.class),
                durations(Duration.ofSeconds(1), Duration.ofDays(366)))
            .as(
                (name, amount, reset, interval) ->
                    attempt(
                        () -> {
                          Budget.Period p = Budget.named(name).amount(amount);
                          return switch (reset) {
                            case DAILY -> p.perDay();
                            case MONTHLY -> p.perMonth();
                            case FIXED -> p.every(interval);
                          };
                        })));
  }

  /** The optional parts of a policy, in one value so the combinator stays small. */
  record Defences(
      Optional<ConcurrencyLimit> concurrency,
      Optional<LoopDetection> loops,
      Optional<BurstDetection> bursts,
      Optional<Quarantine> quarantine,
      Optional<Reputation> reputation,
      Optional<Budget> budget) {}

  private static Arbitrary<Defences> defences() {
    return Combinators.combine(
            concurrency().optional(0.3),
            loops().optional(0.3),
            bursts().optional(0.3),
            quarantines().optional(0.3),
            reputations().optional(0.3),
            budgets().optional(0.3))
        .as(Defences::new);
  }

  private static Arbitrary<Policy> policies(Arbitrary<String> names) {
    return valid(
        Combinators.combine(
                names,
                names().injectNull(0.5),
                Arbitraries.longs().between(1, 3).injectNull(0.6),
                limits().list().ofMinSize(1).ofMaxSize(3),
                defences())
            .as(
                (name, lane, cost, limits, d) ->
                    attempt(
                        () -> {
                          Policy.Builder b = Policy.named(name);
                          if (lane != null) {
                            b.lane(lane);
                          }
                          if (cost != null) {
                            b.cost(cost);
                          }
                          limits.forEach(b::limit);
                          d.concurrency().ifPresent(b::concurrency);
                          d.loops().ifPresent(b::loopDetection);
                          d.bursts().ifPresent(b::burstDetection);
                          d.quarantine().ifPresent(b::quarantine);
                          d.reputation().ifPresent(b::reputation);
                          d.budget().ifPresent(b::budget);
                          return b.build();
                        })));
  }

  private static Arbitrary<RequestRules> rules() {
    return Combinators.combine(
            Arbitraries.of("X-Agent-Id", "Idempotency-Key", "accept", "X_Y").list().uniqueElements().ofMaxSize(2),
            Arbitraries.of("application/json", "text/plain", "Application/X-NDJSON").list().uniqueElements().ofMaxSize(2),
            Arbitraries.longs().between(0, RequestRules.MAX_BODY_BYTES).injectNull(0.5),
            Arbitraries.of(true, false))
        .as(
            (headers, types, max, json) -> {
              RequestRules.Builder b = RequestRules.builder();
              headers.forEach(b::requireHeader);
              types.forEach(b::allowContentType);
              if (max != null) {
                b.maxBodyBytes(max);
              }
              if (json) {
                b.json();
              }
              return b.build();
            });
  }

  /** One route: method, pattern, policies (by name, or by index a fresh inline definition), and the rest. */
  record RouteSpec(
      String method,
      String pattern,
      List<Integer> named,
      Optional<Policy> inline,
      List<String> scopes,
      boolean anonymous,
      boolean shadow,
      RequestRules rules) {}

  private static Arbitrary<RouteSpec> routes() {
    return Combinators.combine(
            Arbitraries.of("", "GET", "post", "PATCH", "M-SEARCH"),
            Arbitraries.of("/", "/search/*", "*.json", "/a/b", "/x y", "/no", "/*", "/é"),
            Arbitraries.integers().between(0, 3).list().uniqueElements().ofMaxSize(3),
            policies(Arbitraries.of("inline-a", "inline-b", "on")).optional(0.3),
            Arbitraries.of("search:read", "a", "x-y", "*", "#x").list().uniqueElements().ofMaxSize(2),
            Arbitraries.of(true, false),
            Arbitraries.of(true, false),
            rules())
        .as(RouteSpec::new);
  }

  /** A tier override: tier, the index of the replaced name in the names, the index of the replacement. */
  record TierSpec(String tier, String replaced, int replacement) {}

  @Provide
  Arbitrary<PolicySet> sets() {
    Arbitrary<List<Policy>> policies =
        policies(names()).list().ofMinSize(0).ofMaxSize(4).uniqueElements(Policy::name);
    Arbitrary<List<TierSpec>> tiers =
        Combinators.combine(
                Arbitraries.of("pro", "anonymous", "free tier", "no", "tier: x", "#1", "~"),
                names(),
                Arbitraries.integers().between(0, 3))
            .as(TierSpec::new)
            .list()
            .ofMaxSize(3);
    Arbitrary<List<Tuple.Tuple2<Integer, StateInheritance>>> own =
        Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.of(StateInheritance.class))
            .as(Tuple::of)
            .list()
            .ofMaxSize(2);
    return valid(
        Combinators.combine(
                policies,
                tiers,
                routes().list().ofMaxSize(3),
                Arbitraries.of(StateInheritance.class).injectNull(0.5),
                own,
                limits().injectNull(0.6))
            .as(
                (ps, ts, rs, inheritance, byPolicy, failures) ->
                    attempt(() -> build(ps, ts, rs, inheritance, byPolicy, failures))));
  }

  private static PolicySet build(
      List<Policy> ps,
      List<TierSpec> ts,
      List<RouteSpec> rs,
      StateInheritance inheritance,
      List<Tuple.Tuple2<Integer, StateInheritance>> byPolicy,
      Limit failures) {
    PolicySet.Builder b = PolicySet.builder();
    ps.forEach(b::policy);
    List<String> names = new ArrayList<>();
    ps.forEach(p -> names.add(p.name()));
    if (!names.isEmpty()) {
      for (TierSpec t : ts) {
        b.tierOverride(t.tier(), t.replaced(), names.get(t.replacement() % names.size()));
      }
      for (Tuple.Tuple2<Integer, StateInheritance> rule : byPolicy) {
        b.inheritance(names.get(rule.get1() % names.size()), rule.get2());
      }
    }
    for (RouteSpec r : rs) {
      Route.Builder route = Route.builder();
      for (int i : r.named()) {
        if (!names.isEmpty()) {
          route.policy(names.get(i % names.size()));
        }
      }
      r.inline().ifPresent(route::policy);
      r.scopes().forEach(route::requireScope);
      if (r.anonymous()) {
        route.allowAnonymous();
      }
      route.rules(r.rules());
      String method = r.method().isEmpty() ? null : r.method();
      if (r.shadow()) {
        b.shadowRoute(method, r.pattern(), route.build());
      } else {
        b.route(method, r.pattern(), route.build());
      }
    }
    if (inheritance != null) {
      b.inheritance(inheritance);
    }
    if (failures != null) {
      b.credentialFailureLimit(failures);
    }
    return b.build();
  }

  @Property(tries = 300)
  void yamlRoundtrips(@ForAll("sets") PolicySet set) {
    roundtrip(set, Format.YAML);
  }

  @Property(tries = 300)
  void jsonRoundtrips(@ForAll("sets") PolicySet set) {
    roundtrip(set, Format.JSON);
  }

  /** The published schema accepts every text the writer writes. */
  @Property(tries = 100)
  void theSchemaAcceptsWhatIsWritten(@ForAll("sets") PolicySet set) throws java.io.IOException {
    for (Format format : Format.values()) {
      String text = PolicyFiles.write(set, format);
      assertThat(
              schema()
                  .validate(
                      text,
                      format == Format.YAML
                          ? com.networknt.schema.InputFormat.YAML
                          : com.networknt.schema.InputFormat.JSON))
          .as(text)
          .isEmpty();
    }
  }

  private static com.networknt.schema.@org.jspecify.annotations.Nullable Schema schema;

  private static synchronized com.networknt.schema.Schema schema() throws java.io.IOException {
    if (schema == null) {
      try (java.io.InputStream in =
          java.util.Objects.requireNonNull(
              PolicyFiles.class.getResourceAsStream(PolicyFiles.SCHEMA_RESOURCE))) {
        schema =
            com.networknt.schema.SchemaRegistry.withDefaultDialect(
                    com.networknt.schema.SpecificationVersion.DRAFT_2020_12)
                .getSchema(
                    new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8),
                    com.networknt.schema.InputFormat.JSON);
      }
    }
    return schema;
  }

  private static void roundtrip(PolicySet set, Format format) {
    Statistics.label("policies").collect(set.policies().size());
    Statistics.label("routes").collect(set.routes().size());
    Statistics.label("defended")
        .collect(set.policies().values().stream().anyMatch(Policy::hasDefences));
    Statistics.label("tiers").collect(!set.tierOverrides().isEmpty());
    String text = PolicyFiles.write(set, format);
    PolicyFile parsed;
    try {
      parsed = PolicyFiles.parse(text, "written", format);
    } catch (PolicyFileException e) {
      throw new AssertionError(e.getMessage() + "\n---\n" + text, e);
    }
    assertThat(parsed.policies()).as(text).isEqualTo(set);
    assertThat(PolicyFiles.write(parsed.policies(), format)).isEqualTo(text);
  }
}
