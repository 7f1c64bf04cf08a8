package dev.agentlimiter.jmh;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.audit.AuditLog;
import dev.agentlimiter.micrometer.AgentLimiterMetrics;
import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 15: what the decision event and its listeners add to an allowed {@code decide}, beside the floor
 * in the same run. {@code listener}: {@code none} (no event is built at all), {@code metrics} (the
 * Micrometer binder on a {@code SimpleMeterRegistry}), {@code audit} (the audit log as configured by
 * default: refusals only, so an admission is never queued; SLF4J's no-op logger, since the jmh module
 * bundles no backend), {@code audit-admissions} (every admission queued for the writer thread), and
 * {@code both} (metrics and the default audit log, composed with {@link LimiterListener#of}).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar ObservedDecideBenchmark -prof gc -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ObservedDecideBenchmark {

  private static final int KEYS = 1024;
  private static final int MASK = KEYS - 1;

  /** The limiter with the listener under test, its agents already tracked. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Library {
    @Param({"none", "metrics", "audit", "audit-admissions", "both"})
    public String listener;

    AgentLimiter limiter;
    AgentRequest[] requests;
    AuditLog audit;

    @Setup(Level.Trial)
    public void setUp() {
      Policy policy = Fixtures.policy(Fixtures.Path.ALLOWED);
      AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();
      metrics.bindTo(new SimpleMeterRegistry());
      audit = AuditLog.builder().logAdmissions(listener.equals("audit-admissions")).build();
      LimiterListener chosen =
          switch (listener) {
            case "none" -> LimiterListener.noop();
            case "metrics" -> metrics;
            case "audit", "audit-admissions" -> audit;
            case "both" -> LimiterListener.of(metrics, audit);
            default -> throw new IllegalArgumentException("listener " + listener);
          };
      limiter =
          AgentLimiters.newBuilder()
              .maximumTrackedAgents(Fixtures.maximumTracked(KEYS))
              .idleExpiry(Fixtures.IDLE_EXPIRY)
              .listener(chosen)
              .build();
      metrics.attach(limiter.admin());
      requests = new AgentRequest[KEYS];
      for (int i = 0; i < KEYS; i++) {
        requests[i] = AgentRequest.of(AgentIdentity.of(Fixtures.agentId(i), IdentitySource.API_KEY), policy);
        if (!limiter.decide(requests[i]).isAllowed()) {
          throw new IllegalStateException("the allowed path refused agent " + i);
        }
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      audit.close();
    }
  }

  /** The floor: raw Caffeine + Bucket4j over the same agents. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Floor {
    com.github.benmanes.caffeine.cache.Cache<String, io.github.bucket4j.Bucket> cache;
    java.util.function.Function<String, io.github.bucket4j.Bucket> factory;
    String[] ids;

    @Setup(Level.Trial)
    public void setUp() {
      Policy policy = Fixtures.policy(Fixtures.Path.ALLOWED);
      cache = Fixtures.floorCache(Fixtures.maximumTracked(KEYS));
      io.github.bucket4j.Bandwidth[] bandwidths = Fixtures.bandwidths(policy);
      factory =
          id -> {
            io.github.bucket4j.local.LocalBucketBuilder b = io.github.bucket4j.Bucket.builder();
            for (io.github.bucket4j.Bandwidth bw : bandwidths) {
              b.addLimit(bw);
            }
            return b.build();
          };
      ids = new String[KEYS];
      for (int i = 0; i < KEYS; i++) {
        ids[i] = Fixtures.agentId(i);
        if (!cache.get(ids[i], factory).tryConsume(1)) {
          throw new IllegalStateException("the floor refused agent " + i);
        }
      }
    }
  }

  /** A thread's own walk over the agents. */
  @State(Scope.Thread)
  public static class Cursor {
    private final int[] sequence = new int[1 << 16];
    private int position;

    @Setup(Level.Trial)
    public void setUp() {
      SplittableRandom random = new SplittableRandom(0x5EED);
      for (int i = 0; i < sequence.length; i++) {
        sequence[i] = random.nextInt(KEYS);
      }
    }

    int next() {
      return sequence[position++ & (sequence.length - 1)] & MASK;
    }
  }

  @Benchmark
  public Decision library_decide(Library library, Cursor cursor) {
    return library.limiter.decide(library.requests[cursor.next()]);
  }

  @Benchmark
  public ConsumptionProbe floor_caffeineBucket4jProbe(Floor floor, Cursor cursor) {
    return floor.cache.get(floor.ids[cursor.next()], floor.factory).tryConsumeAndReturnRemaining(1);
  }
}
