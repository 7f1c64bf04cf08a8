package dev.agentlimiter.jmh;

import com.github.benmanes.caffeine.cache.Cache;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.jmh.Fixtures.BucketFactory;
import dev.agentlimiter.jmh.Fixtures.Path;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One key, one limiter: the single-limiter peers (Guava, Resilience4j, a bare Bucket4j bucket) next to the
 * library and the floor (Caffeine + Bucket4j) in the same run. With {@code -t 2} every thread hits the same
 * key, so this is also the single-key contention benchmark.
 *
 * <p>Guava and Resilience4j hold one limiter, not one per agent, so the fair peer for them is
 * {@code peer_bucket4j}, a bare bucket; the library and the floor also pay a per-agent map lookup.
 *
 * <p>{@code path=allowed}: limits that never refuse (library, floor and Bucket4j: 10^9 tokens, 10^9 per
 * second; Guava: 10^9 permits per second; Resilience4j: {@code Integer.MAX_VALUE} permits per second).
 * {@code path=rejected}: one permit, consumed in setup (library, floor, Bucket4j: one token per hour; Guava:
 * 10^-6 permits per second, whose first acquisition is free and pushes the next one 11 days out;
 * Resilience4j: one permit per hour).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
@SuppressWarnings({"NullAway.Init", "UnstableApiUsage"})
public class PeerBenchmark {

  @Param({"allowed", "rejected"})
  public String path;

  com.google.common.util.concurrent.RateLimiter guava;
  RateLimiter resilience4j;
  Bucket bucket;
  AgentLimiter limiter;
  Policy policy;
  AgentIdentity identity;
  AgentRequest request;
  String id;
  Cache<String, Bucket> floor;
  BucketFactory floorFactory;
  Cache<String, Bucket> floorSync;
  BucketFactory floorSyncFactory;

  @Setup(Level.Trial)
  public void setUp() {
    Path kind = Path.of(path);
    boolean expected = kind.expected();
    policy = Fixtures.policy(kind);
    Bandwidth[] bandwidths = Fixtures.bandwidths(policy);

    guava =
        com.google.common.util.concurrent.RateLimiter.create(
            kind == Path.ALLOWED ? 1e9 : 1e-6);
    RateLimiterConfig config =
        RateLimiterConfig.custom()
            .limitForPeriod(kind == Path.ALLOWED ? Integer.MAX_VALUE : 1)
            .limitRefreshPeriod(kind == Path.ALLOWED ? Duration.ofSeconds(1) : Duration.ofHours(1))
            .timeoutDuration(Duration.ZERO)
            .build();
    resilience4j = RateLimiter.of("bench", config);
    bucket = new BucketFactory(bandwidths, SynchronizationStrategy.LOCK_FREE).apply("bench");

    limiter = Fixtures.limiter(Fixtures.MIN_TRACKED);
    id = Fixtures.agentId(123);
    identity = AgentIdentity.of(id, IdentitySource.API_KEY);
    request = AgentRequest.of(identity, policy);
    floor = Fixtures.floorCache(Fixtures.MIN_TRACKED);
    floorFactory = new BucketFactory(bandwidths, SynchronizationStrategy.LOCK_FREE);
    floorSync = Fixtures.floorCache(Fixtures.MIN_TRACKED);
    floorSyncFactory = new BucketFactory(bandwidths, SynchronizationStrategy.SYNCHRONIZED);

    // The first call of each is granted on both paths, and takes the only permit on the rejected path.
    check("first guava", guava.tryAcquire(), true);
    check("first resilience4j", resilience4j.acquirePermission(), true);
    check("first bucket4j", bucket.tryConsume(1), true);
    check("first library", limiter.tryAcquire(identity, policy), true);
    check("first floor", floor.get(id, floorFactory).tryConsume(1), true);
    check("first floorSync", floorSync.get(id, floorSyncFactory).tryConsume(1), true);

    check("guava", peer_guava(), expected);
    check("resilience4j", peer_resilience4j(), expected);
    check("bucket4j", peer_bucket4j(), expected);
    check("library_decide", library_decide().isAllowed(), expected);
    check("library_tryAcquire", library_tryAcquire(), expected);
    check("floor", floor_caffeineBucket4j(), expected);
    check("floorSync", floor_caffeineBucket4jSync(), expected);
  }

  private void check(String what, boolean actual, boolean expected) {
    if (actual != expected) {
      throw new IllegalStateException(what + " answers " + actual + " on path " + path);
    }
  }

  @Benchmark
  public boolean peer_guava() {
    return guava.tryAcquire();
  }

  @Benchmark
  public boolean peer_resilience4j() {
    return resilience4j.acquirePermission();
  }

  @Benchmark
  public boolean peer_bucket4j() {
    return bucket.tryConsume(1);
  }

  @Benchmark
  public Decision library_decide() {
    return limiter.decide(request);
  }

  @Benchmark
  public boolean library_tryAcquire() {
    return limiter.tryAcquire(identity, policy);
  }

  @Benchmark
  public boolean floor_caffeineBucket4j() {
    return floor.get(id, floorFactory).tryConsume(1);
  }

  @Benchmark
  public boolean floor_caffeineBucket4jSync() {
    return floorSync.get(id, floorSyncFactory).tryConsume(1);
  }
}
