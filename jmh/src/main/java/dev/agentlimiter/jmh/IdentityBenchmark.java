package dev.agentlimiter.jmh;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.jmh.Fixtures.BucketFactory;
import com.github.benmanes.caffeine.cache.Cache;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.security.Principal;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of identifying a request, beside the floor:
 *
 * <ul>
 *   <li>{@code floor_headerKeyedProbe}: what a naive limiter does, read {@code Authorization}, then a
 *       Caffeine lookup and a Bucket4j consume keyed on the raw header value (no verification at all);
 *   <li>{@code apiKey_resolve}: {@link IdentityResolvers#apiKeys} alone: parse the bearer value, SHA-256 the
 *       key, one hash lookup, constant-time compare;
 *   <li>{@code enter_apiKey}: the whole HTTP entry, {@link AgentLimiter#admit(RequestView, Route)} on a route
 *       with one bucket policy: identity by API key, then the bucket, then {@code close()};
 *   <li>{@code enter_anonymous}: the same on an anonymous route keyed on the client address.
 * </ul>
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar IdentityBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
@SuppressWarnings("NullAway.Init")
public class IdentityBenchmark {

  @Param({"1", "10000"})
  public int keys;

  Request[] keyed;
  Request[] anonymous;
  Cache<String, Bucket> floor;
  BucketFactory factory;
  IdentityResolver resolver;
  AgentLimiter limiter;
  Route route;
  Route openRoute;
  long wrong;

  @Setup(Level.Trial)
  public void setUp() {
    Policy policy = Fixtures.policy(Fixtures.Path.ALLOWED);
    long maximum = Fixtures.maximumTracked(keys);
    InMemoryApiKeyStore store = InMemoryApiKeyStore.create();
    keyed = new Request[keys];
    anonymous = new Request[keys];
    for (int i = 0; i < keys; i++) {
      String key = "ak_live_" + Fixtures.agentId(i) + "_7c1e9b3a5d2f40e8";
      store.add(key, AgentIdentity.of(Fixtures.agentId(i), IdentitySource.API_KEY));
      String peer = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
      keyed[i] = new Request(peer, "Bearer " + key);
      anonymous[i] = new Request(peer, null);
    }
    floor = Fixtures.floorCache(maximum);
    factory = new BucketFactory(Fixtures.bandwidths(policy), SynchronizationStrategy.LOCK_FREE);
    resolver = IdentityResolvers.apiKeys(store);
    limiter =
        AgentLimiters.newBuilder()
            .maximumTrackedAgents(maximum)
            .idleExpiry(Fixtures.IDLE_EXPIRY)
            .identity(resolver)
            .build();
    route = Route.of(policy);
    openRoute = Route.builder().policy(policy).allowAnonymous().build();
    for (int i = 0; i < keys; i++) {
      floor.get(Objects.requireNonNull(keyed[i].authorization), factory).tryConsume(1);
      check(limiter.admit(keyed[i], route));
      check(limiter.admit(anonymous[i], openRoute));
    }
  }

  private static void check(Admission admission) {
    try (admission) {
      if (!admission.decision().isAllowed()) {
        throw new IllegalStateException("refused in setup: " + admission.decision());
      }
    }
  }

  @TearDown(Level.Iteration)
  public void verify() {
    if (wrong != 0) {
      throw new IllegalStateException(wrong + " wrong answers");
    }
  }

  @Benchmark
  public ConsumptionProbe floor_headerKeyedProbe(PipelineBenchmark.Cursor cursor) {
    String key = keyed[cursor.next(keys)].header("Authorization");
    if (key == null) {
      throw new IllegalStateException("no key");
    }
    return floor.get(key, factory).tryConsumeAndReturnRemaining(1);
  }

  @Benchmark
  public IdentityResult apiKey_resolve(PipelineBenchmark.Cursor cursor) {
    IdentityResult result = resolver.resolve(keyed[cursor.next(keys)]);
    if (!(result instanceof IdentityResult.Identified)) {
      wrong++;
    }
    return result;
  }

  @Benchmark
  public Decision enter_apiKey(PipelineBenchmark.Cursor cursor) {
    try (Admission admission = limiter.admit(keyed[cursor.next(keys)], route)) {
      Decision decision = admission.decision();
      if (!decision.isAllowed()) {
        wrong++;
      }
      return decision;
    }
  }

  @Benchmark
  public Decision enter_anonymous(PipelineBenchmark.Cursor cursor) {
    try (Admission admission = limiter.admit(anonymous[cursor.next(keys)], openRoute)) {
      Decision decision = admission.decision();
      if (!decision.isAllowed()) {
        wrong++;
      }
      return decision;
    }
  }

  /** A request view as an adapter would build it: a few fields, headers looked up case-insensitively. */
  static final class Request implements RequestView {
    final String peer;
    final @Nullable String authorization;
    private final List<String> authorizations;

    Request(String peer, @Nullable String authorization) {
      this.peer = peer;
      this.authorization = authorization;
      this.authorizations = authorization == null ? List.of() : List.of(authorization);
    }

    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String path() {
      return "/v1/zones";
    }

    @Override
    public @Nullable String header(String name) {
      return name.toLowerCase(Locale.ROOT).equals("authorization") ? authorization : null;
    }

    @Override
    public List<String> headers(String name) {
      return name.equalsIgnoreCase("authorization") ? authorizations : List.of();
    }

    @Override
    public String remoteAddress() {
      return peer;
    }

    @Override
    public Optional<Principal> principal() {
      return Optional.empty();
    }
  }
}
