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
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One decision for one of {@code keys} tracked agents, every agent's state already present: the library's
 * {@code decide} and {@code tryAcquire} side by side with the floor, a Caffeine {@code Cache<String,
 * Bucket>} configured like the library's own cache with a Bucket4j bucket per agent (lock-free, Bucket4j's
 * default, and synchronized).
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code keys}: how many agents are tracked (and drawn from);
 *   <li>{@code distribution}: {@code uniform}, or {@code skewed}: a discretized continuous Zipf law with
 *       exponent s = 1, {@code rank = floor((keys + 1)^u) - 1} for u uniform in [0, 1), so that {@code
 *       P(rank = k) = ln((k + 2) / (k + 1)) / ln(keys + 1)}, about {@code 1 / ((k + 1.5) ln(keys + 1))}. For a
 *       million keys the hottest agent gets 5% of the calls and the hottest 1% of the agents get two thirds.
 *       Ranks map to keys through a fixed random permutation, so hot agents are scattered in memory rather
 *       than allocated side by side;
 *   <li>{@code path}: {@code allowed}, a limit that never refuses, or {@code rejected}, one token per hour,
 *       drained in setup, so every call is refused.
 * </ul>
 *
 * <p>Each thread walks its own precomputed sequence of 2^20 key indices (seeded by its thread index), so
 * that drawing a key costs one array read. Only the structure a benchmark method uses is built for it.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar DecideBenchmark -prof gc -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// AlwaysPreTouch: without it, allocating benchmarks run 4x slower until the first GC, while new heap pages
// are faulted in (measured: 1,050 ns/op before the first young GC, 225 after).
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DecideBenchmark {

  /** The parameters and the key strings, shared by every thread. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Keys {
    @Param({"1", "10000", "1000000"})
    public int keys;

    @Param({"uniform", "skewed"})
    public String distribution;

    @Param({"allowed", "rejected"})
    public String path;

    Path pathKind;
    Policy policy;
    long maximumTracked;
    String[] ids;

    /** Skewed rank to key index; shared so that every thread has the same hot agents. */
    int[] rankToKey;

    @Setup(Level.Trial)
    public void setUp() {
      if (keys <= 0) {
        throw new IllegalArgumentException("keys must be > 0 but was " + keys);
      }
      pathKind = Path.of(path);
      policy = Fixtures.policy(pathKind);
      maximumTracked = Fixtures.maximumTracked(keys);
      ids = new String[keys];
      for (int i = 0; i < keys; i++) {
        ids[i] = Fixtures.agentId(i);
      }
      rankToKey = new int[keys];
      for (int i = 0; i < keys; i++) {
        rankToKey[i] = i;
      }
      SplittableRandom random = new SplittableRandom(0x5EED_CAFEL);
      for (int i = keys - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int swap = rankToKey[i];
        rankToKey[i] = rankToKey[j];
        rankToKey[j] = swap;
      }
    }
  }

  /** A thread's own cursor over a precomputed sequence of key indices. */
  @State(Scope.Thread)
  @SuppressWarnings("NullAway.Init")
  public static class Cursor {
    static final int LENGTH = 1 << 20;
    static final int MASK = LENGTH - 1;

    int[] sequence;
    int position;

    @Setup(Level.Trial)
    public void setUp(Keys k, ThreadParams thread) {
      SplittableRandom random = new SplittableRandom(0x9E3779B97F4A7C15L * (thread.getThreadIndex() + 1));
      sequence = new int[LENGTH];
      switch (k.distribution) {
        case "uniform" -> {
          for (int i = 0; i < LENGTH; i++) {
            sequence[i] = random.nextInt(k.keys);
          }
        }
        case "skewed" -> {
          double base = k.keys + 1.0;
          for (int i = 0; i < LENGTH; i++) {
            int rank = (int) Math.pow(base, random.nextDouble()) - 1;
            sequence[i] = k.rankToKey[Math.min(rank, k.keys - 1)];
          }
        }
        default ->
            throw new IllegalArgumentException(
                "distribution must be uniform or skewed but was " + k.distribution);
      }
      position = 0;
    }

    int next() {
      return sequence[position++ & MASK];
    }
  }

  /** The library, every agent touched once (so drained on the rejected path). */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Library {
    AgentLimiter limiter;
    Policy policy;
    AgentIdentity[] identities;
    AgentRequest[] requests;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      limiter = Fixtures.limiter(k.maximumTracked);
      policy = k.policy;
      identities = new AgentIdentity[k.keys];
      requests = new AgentRequest[k.keys];
      for (int i = 0; i < k.keys; i++) {
        identities[i] = AgentIdentity.of(k.ids[i], IdentitySource.API_KEY);
        requests[i] = AgentRequest.of(identities[i], policy);
        limiter.tryAcquire(identities[i], policy);
      }
      long tracked = limiter.admin().trackedAgents();
      if (tracked != k.keys) {
        throw new IllegalStateException("expected " + k.keys + " tracked agents but found " + tracked);
      }
      boolean expected = k.pathKind.expected();
      if (limiter.tryAcquire(identities[0], policy) != expected
          || limiter.decide(requests[k.keys - 1]).isAllowed() != expected) {
        throw new IllegalStateException("library does not answer " + expected + " on path " + k.path);
      }
    }
  }

  /** Floor state: a Caffeine cache of Bucket4j buckets, every key touched once. */
  @SuppressWarnings("NullAway.Init")
  abstract static class Floor {
    Cache<String, Bucket> cache;
    BucketFactory factory;

    void build(Keys k, SynchronizationStrategy strategy) {
      cache = Fixtures.floorCache(k.maximumTracked);
      factory = new BucketFactory(Fixtures.bandwidths(k.policy), strategy);
      for (String id : k.ids) {
        cache.get(id, factory).tryConsume(1);
      }
      cache.cleanUp();
      long size = cache.estimatedSize();
      if (size != k.keys) {
        throw new IllegalStateException("expected " + k.keys + " cached buckets but found " + size);
      }
      boolean expected = k.pathKind.expected();
      if (cache.get(k.ids[0], factory).tryConsume(1) != expected) {
        throw new IllegalStateException("floor does not answer " + expected + " on path " + k.path);
      }
    }
  }

  /** The floor with Bucket4j's default lock-free buckets. */
  @State(Scope.Benchmark)
  public static class LockFreeFloor extends Floor {
    @Setup(Level.Trial)
    public void setUp(Keys k) {
      build(k, SynchronizationStrategy.LOCK_FREE);
    }
  }

  /** The floor with synchronized buckets. */
  @State(Scope.Benchmark)
  public static class SynchronizedFloor extends Floor {
    @Setup(Level.Trial)
    public void setUp(Keys k) {
      build(k, SynchronizationStrategy.SYNCHRONIZED);
    }
  }

  @Benchmark
  public Decision library_decide(Library library, Cursor cursor) {
    return library.limiter.decide(library.requests[cursor.next()]);
  }

  @Benchmark
  public boolean library_tryAcquire(Library library, Cursor cursor) {
    return library.limiter.tryAcquire(library.identities[cursor.next()], library.policy);
  }

  @Benchmark
  public boolean floor_caffeineBucket4j(Keys keys, LockFreeFloor floor, Cursor cursor) {
    return floor.cache.get(keys.ids[cursor.next()], floor.factory).tryConsume(1);
  }

  /**
   * The floor for {@code decide}: the same lookup, and Bucket4j's verbose consumption, which like a
   * {@code Decision} reports remaining tokens and the wait, in a result object.
   */
  @Benchmark
  public ConsumptionProbe floor_caffeineBucket4jProbe(Keys keys, LockFreeFloor floor, Cursor cursor) {
    return floor.cache.get(keys.ids[cursor.next()], floor.factory).tryConsumeAndReturnRemaining(1);
  }

  @Benchmark
  public boolean floor_caffeineBucket4jSync(Keys keys, SynchronizedFloor floor, Cursor cursor) {
    return floor.cache.get(keys.ids[cursor.next()], floor.factory).tryConsume(1);
  }
}
