package dev.agentlimiter.jmh;

import com.github.benmanes.caffeine.cache.Cache;
import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.jmh.Fixtures.BucketFactory;
import dev.agentlimiter.jmh.Fixtures.Path;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * The threat-defence pipeline beside the floor of {@link DecideBenchmark} (a Caffeine {@code Cache<String,
 * Bucket>} with Bucket4j's {@code tryConsumeAndReturnRemaining}, built by the same {@link Fixtures}):
 *
 * <ul>
 *   <li>{@code pipeline_allowed}: {@code enter} then {@code complete(Outcome.success())} on a policy with
 *       the never-refusing limit of {@link Fixtures} and every defence: concurrency cap, loop detection,
 *       burst detection (report only), quarantine and reputation. Every request carries a fingerprint; an
 *       agent cycles through more distinct fingerprints ({@value #MIN_FINGERPRINTS} for one agent, 32 for
 *       10,000) than the loop detector remembers (16), so no loop is ever seen. {@code box}: the lane's
 *       penalty box {@code empty} (the engine skips the lookup) or {@code occupied} by one unrelated agent
 *       (every request pays the lookup);
 *   <li>{@code pipeline_quarantined}: {@code decide} for agents quarantined for a day in setup (in the
 *       policy's lane, through a one-token policy with {@code Quarantine.after(1)}): every call is
 *       refused {@code QUARANTINED};
 *   <li>{@code buckets_only_decide}: {@code decide} with the same limit and no defence, the reference.
 * </ul>
 *
 * <p>Agents are taken round-robin; each benchmark counts answers other than the expected one and fails the
 * iteration if there is any, and the pipeline's listener fails it on any loop, burst or quarantine event
 * during measurement.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar PipelineBenchmark -prof gc -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PipelineBenchmark {

  /** The lane of the defended policy and of the policy that quarantines. */
  static final String LANE = "bench";

  /** Distinct fingerprints per agent when there is one agent; never fewer than 32 per agent. */
  static final int MIN_FINGERPRINTS = 1024;

  /** The never-refusing policy with every defence (no budget). */
  static Policy defendedPolicy() {
    return Policy.named("bench")
        .lane(LANE)
        .limit(
            Limit.capacity(Fixtures.ALLOWED_CAPACITY)
                .refill(Fixtures.ALLOWED_REFILL)
                .per(Fixtures.ALLOWED_PERIOD))
        .concurrency(ConcurrencyLimit.of(64))
        // remembers 16 fingerprints per agent (the default); the requests cycle through more
        .loopDetection(LoopDetection.after(5).within(Duration.ofSeconds(10)))
        // report only; a baseline of at least 10^9 requests per second: never a spike, never an event
        .burstDetection(BurstDetection.factor(8).withMinimumRate(1_000_000_000L))
        .quarantine(Quarantine.after(20).within(Duration.ofMinutes(1)))
        .reputation(Reputation.errorsAbove(20).within(Duration.ofMinutes(1)))
        .build();
  }

  /**
   * One token an hour, in the same lane, quarantining after one tolerated refusal for a day: three
   * decisions (allowed, refused, refused) put an agent in the lane's penalty box.
   */
  static Policy triggerPolicy() {
    return Policy.named("bench-trigger")
        .lane(LANE)
        .limit(
            Limit.capacity(Fixtures.REJECTED_CAPACITY)
                .refill(Fixtures.REJECTED_REFILL)
                .per(Fixtures.REJECTED_PERIOD))
        .quarantine(
            Quarantine.after(1).within(Duration.ofMinutes(1)).withDuration(Duration.ofDays(1)))
        .build();
  }

  /** Counts the events that must not happen while measuring. */
  static final class EventCounter implements LimiterListener {
    final AtomicLong unexpected = new AtomicLong();

    @Override
    public void onEvent(LimiterEvent event) {
      if (event instanceof LimiterEvent.LoopDetected
          || event instanceof LimiterEvent.BurstDetected
          || event instanceof LimiterEvent.Quarantined
          || event instanceof LimiterEvent.ReputationChanged
          || event instanceof LimiterEvent.PermitReclaimed) {
        unexpected.incrementAndGet();
      }
    }
  }

  static AgentLimiter limiter(long maximumTracked, LimiterListener listener) {
    return AgentLimiters.newBuilder()
        .maximumTrackedAgents(maximumTracked)
        .idleExpiry(Fixtures.IDLE_EXPIRY)
        .listener(listener)
        .build();
  }

  /** Quarantines an agent in {@link #LANE}: three decisions under {@link #triggerPolicy()}. */
  static void quarantine(AgentLimiter limiter, AgentIdentity agent, Policy trigger) {
    AgentRequest request = AgentRequest.of(agent, trigger);
    for (int i = 0; i < 3; i++) {
      limiter.decide(request);
    }
    Reason reason = limiter.decide(request).reason();
    if (reason != Reason.QUARANTINED) {
      throw new IllegalStateException(agent.id() + " is not quarantined but " + reason);
    }
  }

  /** The agents, their requests and fingerprints, shared by every benchmark. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Keys {
    @Param({"1", "10000"})
    public int keys;

    long maximumTracked;
    String[] ids;
    AgentIdentity[] identities;
    Policy plain;
    Policy defended;
    Policy trigger;

    /** Request {@code n}: agent {@code n % keys}, fingerprint {@code (n / keys) % fingerprints}. */
    AgentRequest[] defendedRequests;

    AgentRequest[] plainRequests;

    @Setup(Level.Trial)
    public void setUp() {
      if (keys <= 0) {
        throw new IllegalArgumentException("keys must be > 0 but was " + keys);
      }
      maximumTracked = Fixtures.maximumTracked(keys);
      plain = Fixtures.policy(Path.ALLOWED);
      defended = defendedPolicy();
      trigger = triggerPolicy();
      ids = new String[keys];
      identities = new AgentIdentity[keys];
      plainRequests = new AgentRequest[keys];
      for (int i = 0; i < keys; i++) {
        ids[i] = Fixtures.agentId(i);
        identities[i] = AgentIdentity.of(ids[i], IdentitySource.API_KEY);
        plainRequests[i] = AgentRequest.of(identities[i], plain);
      }
      int fingerprints = Math.max(32, MIN_FINGERPRINTS / keys);
      SplittableRandom random = new SplittableRandom(0xF1_6E_5EEDL);
      RequestFingerprint[] prints = new RequestFingerprint[fingerprints];
      for (int i = 0; i < fingerprints; i++) {
        prints[i] = RequestFingerprint.of(random.nextLong(), random.nextLong());
      }
      defendedRequests = new AgentRequest[keys * fingerprints];
      AgentRequest[] base = new AgentRequest[keys];
      for (int i = 0; i < keys; i++) {
        base[i] = AgentRequest.of(identities[i], defended);
      }
      for (int n = 0; n < defendedRequests.length; n++) {
        defendedRequests[n] = base[n % keys].withFingerprint(prints[n / keys]);
      }
    }
  }

  /** A thread's round-robin position in an array. */
  @State(Scope.Thread)
  public static class Cursor {
    int position;

    int next(int length) {
      int p = position;
      position = p + 1 == length ? 0 : p + 1;
      return p;
    }
  }

  /** The floor of {@link DecideBenchmark}: lock-free Bucket4j buckets in a Caffeine cache. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class Floor {
    Cache<String, Bucket> cache;
    BucketFactory factory;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      cache = Fixtures.floorCache(k.maximumTracked);
      factory = new BucketFactory(Fixtures.bandwidths(k.plain), SynchronizationStrategy.LOCK_FREE);
      for (String id : k.ids) {
        cache.get(id, factory).tryConsume(1);
      }
      cache.cleanUp();
      if (cache.estimatedSize() != k.keys) {
        throw new IllegalStateException("expected " + k.keys + " cached buckets");
      }
    }
  }

  /** The library without defences, every agent touched once. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class BucketsOnly {
    AgentLimiter limiter;
    long refusals;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      limiter = Fixtures.limiter(k.maximumTracked);
      for (AgentRequest request : k.plainRequests) {
        if (!limiter.decide(request).isAllowed()) {
          throw new IllegalStateException("buckets-only limiter refused " + request);
        }
      }
    }

    @TearDown(Level.Iteration)
    public void check() {
      if (refusals != 0) {
        throw new IllegalStateException(refusals + " refusals on the allowed path");
      }
    }
  }

  /** The defended policy's limiter, every agent admitted once; optionally one other agent boxed. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class AllowedPipeline {
    @Param({"empty", "occupied"})
    public String box;

    AgentLimiter limiter;
    EventCounter events;
    long refusals;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      events = new EventCounter();
      limiter = limiter(k.maximumTracked, events);
      switch (box) {
        case "empty" -> {}
        case "occupied" ->
            quarantine(limiter, AgentIdentity.of("intruder", IdentitySource.API_KEY), k.trigger);
        default -> throw new IllegalArgumentException("box must be empty or occupied but was " + box);
      }
      for (int i = 0; i < k.keys; i++) {
        Admission admission = limiter.enter(k.defendedRequests[i]);
        if (!admission.decision().isAllowed()) {
          throw new IllegalStateException("pipeline refused " + admission.decision());
        }
        admission.complete(Outcome.success());
      }
      if (limiter.admin().inFlight(k.identities[0], k.defended) != 0) {
        throw new IllegalStateException("a permit is still held after complete");
      }
      events.unexpected.set(0);
    }

    @TearDown(Level.Iteration)
    public void check() {
      if (refusals != 0) {
        throw new IllegalStateException(refusals + " refusals on the allowed path");
      }
      long unexpected = events.unexpected.get();
      if (unexpected != 0) {
        throw new IllegalStateException(unexpected + " loop/burst/quarantine/reputation events");
      }
    }
  }

  /** The defended policy's limiter with every agent quarantined for a day in its lane. */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init")
  public static class QuarantinedPipeline {
    AgentLimiter limiter;
    long wrong;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      limiter = limiter(k.maximumTracked, LimiterListener.noop());
      for (AgentIdentity agent : k.identities) {
        quarantine(limiter, agent, k.trigger);
      }
      for (int i = 0; i < k.keys; i++) {
        Reason reason = limiter.decide(k.defendedRequests[i]).reason();
        if (reason != Reason.QUARANTINED) {
          throw new IllegalStateException(k.ids[i] + " is answered " + reason);
        }
      }
      long boxed = limiter.admin().quarantined().size();
      if (boxed != k.keys) {
        throw new IllegalStateException("expected " + k.keys + " quarantined agents but found " + boxed);
      }
    }

    @TearDown(Level.Iteration)
    public void check() {
      if (wrong != 0) {
        throw new IllegalStateException(wrong + " answers other than QUARANTINED");
      }
    }
  }

  /** The same floor as {@link DecideBenchmark#floor_caffeineBucket4jProbe}. */
  @Benchmark
  public ConsumptionProbe floor_caffeineBucket4jProbe(Keys keys, Floor floor, Cursor cursor) {
    return floor.cache.get(keys.ids[cursor.next(keys.keys)], floor.factory).tryConsumeAndReturnRemaining(1);
  }

  @Benchmark
  public Decision buckets_only_decide(Keys keys, BucketsOnly lib, Cursor cursor) {
    Decision decision = lib.limiter.decide(keys.plainRequests[cursor.next(keys.keys)]);
    if (!decision.isAllowed()) {
      lib.refusals++;
    }
    return decision;
  }

  @Benchmark
  public Decision pipeline_allowed(Keys keys, AllowedPipeline lib, Cursor cursor) {
    AgentRequest[] requests = keys.defendedRequests;
    Admission admission = lib.limiter.enter(requests[cursor.next(requests.length)]);
    Decision decision = admission.decision();
    admission.complete(Outcome.success());
    if (!decision.isAllowed()) {
      lib.refusals++;
    }
    return decision;
  }

  @Benchmark
  public Decision pipeline_quarantined(Keys keys, QuarantinedPipeline lib, Cursor cursor) {
    AgentRequest[] requests = keys.defendedRequests;
    Decision decision = lib.limiter.decide(requests[cursor.next(requests.length)]);
    if (decision.reason() != Reason.QUARANTINED) {
      lib.wrong++;
    }
    return decision;
  }
}
