package dev.agentlimiter.jmh;

import com.github.benmanes.caffeine.cache.Cache;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.jmh.Fixtures.BucketFactory;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketListener;
import io.github.bucket4j.ConfigurationBuilder;
import io.github.bucket4j.MathType;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LockFreeBucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.util.Multiset;
import org.openjdk.jol.vm.VM;

/**
 * Retained bytes per tracked agent, measured with JOL's {@link GraphLayout} (a walk of the object graph, so
 * no {@code System.gc()} and no heap-usage guessing). Not a JMH benchmark. Run, from {@code /work/main}:
 *
 * <pre>
 * java -Djdk.attach.allowAttachSelf=true -cp jmh/target/benchmarks.jar dev.agentlimiter.jmh.RetainedBytes
 * </pre>
 *
 * <p>On JDK 17 (checked with 17.0.15) JOL 0.17 cannot read the field offsets of hidden classes (the lambdas
 * that Caffeine and the limiter hold) through {@code Unsafe}: with no flag it fails with "Cannot get the
 * field offset, try with -Djol.magicFieldOffset=true". Either flag works and both give the same numbers:
 * {@code -Djdk.attach.allowAttachSelf=true} lets JOL attach its agent (clean output), {@code
 * -Djol.magicFieldOffset=true} uses JOL's fallback (and prints a warning that the attach failed). When
 * neither is given, {@link #main} sets {@code jol.magicFieldOffset} itself, so the plain {@code java -cp
 * jmh/target/benchmarks.jar dev.agentlimiter.jmh.RetainedBytes} works too.
 *
 * <p>For each structure, {@value #AGENTS} agents with ids like {@code agent-000123} are tracked in a fresh
 * instance; a second fresh instance holding one warm-up agent is the baseline (its fixed costs: the
 * limiter's eviction ledger, the cache's tables and buffers, the policy and its Bucket4j configuration), and
 * {@code (full - baseline) / agents} is the cost of one more agent. Every Caffeine cache is bounded at
 * {@value #MAXIMUM} entries, so nothing is evicted; at fewer than half that many entries Caffeine has not
 * yet allocated its frequency sketch (about 8 bytes per <em>maximum</em> entry once the cache is half full),
 * which is therefore in none of the numbers.
 *
 * <p>The library keeps no id strings (ids of at most 16 ASCII characters are packed into two longs); a
 * {@code Cache<String, ...>} keeps the caller's key strings alive. The table therefore gives the floor both
 * "structure only" (key strings subtracted) and "including key strings".
 */
public final class RetainedBytes {

  static final int AGENTS = 100_000;
  static final long MAXIMUM = 1_000_000;
  static final String WARM_UP = "agent-warmup";

  private RetainedBytes() {}

  /** Builds a fresh structure that tracks the given agents and returns its root. */
  @FunctionalInterface
  interface Structure {
    Object track(String[] agents);
  }

  record Row(String structure, String policy, double structureOnly, double withKeys) {}

  public static void main(String[] args) {
    if (System.getProperty("jdk.attach.allowAttachSelf") == null
        && System.getProperty("jol.magicFieldOffset") == null) {
      // Without self-attach, JOL reads field offsets through Unsafe, which refuses hidden classes (the
      // lambdas inside Caffeine and the limiter); its "magic field offset" fallback handles them. Read when
      // JOL first initializes, so setting it here, before any JOL call, is enough.
      System.setProperty("jol.magicFieldOffset", "true");
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String[] agents = new String[AGENTS];
    for (int i = 0; i < AGENTS; i++) {
      agents[i] = Fixtures.agentId(i);
    }
    double keyBytes = (double) GraphLayout.parseInstance((Object[]) agents).totalSize() / AGENTS;

    Policy one =
        Policy.named("one")
            .limit(Limit.capacity(100).refill(10).per(Duration.ofSeconds(1)))
            .build();
    Policy two =
        Policy.named("two")
            .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"))
            .limit(Limit.capacity(600).refill(600).per(Duration.ofHours(1)).named("hourly"))
            .build();

    List<Row> rows = new ArrayList<>();
    Map<String, Structure> breakdowns = new LinkedHashMap<>();
    for (Policy policy : List.of(one, two)) {
      String limits = policy.limits().size() == 1 ? "1 limit" : policy.limits().size() + " limits";
      Bandwidth[] bandwidths = Fixtures.bandwidths(policy);

      Structure library = ids -> library(policy, ids);
      Structure lockFree =
          ids -> floor(new BucketFactory(bandwidths, SynchronizationStrategy.LOCK_FREE), ids);
      Structure synchronizedFloor =
          ids -> floor(new BucketFactory(bandwidths, SynchronizationStrategy.SYNCHRONIZED), ids);
      Structure sharedConfiguration = ids -> floor(sharedConfigurationFactory(bandwidths), ids);

      // The library holds no key strings: both columns are the same.
      double libraryBytes = perAgent(library, agents);
      rows.add(new Row("library (AgentLimiter)", limits, libraryBytes, libraryBytes));
      double lockFreeBytes = perAgent(lockFree, agents);
      rows.add(
          new Row(
              "floor: Cache<String, Bucket>, lock-free buckets (Bucket4j default)",
              limits,
              lockFreeBytes - keyBytes,
              lockFreeBytes));
      double synchronizedBytes = perAgent(synchronizedFloor, agents);
      rows.add(
          new Row(
              "floor: Cache<String, Bucket>, synchronized buckets",
              limits,
              synchronizedBytes - keyBytes,
              synchronizedBytes));
      double sharedBytes = perAgent(sharedConfiguration, agents);
      rows.add(
          new Row(
              "floor, tuned: lock-free buckets sharing one BucketConfiguration",
              limits,
              sharedBytes - keyBytes,
              sharedBytes));
      breakdowns.put("library, " + limits, library);
      breakdowns.put("floor lock-free, " + limits, lockFree);
    }
    double trivialBytes = perAgent(RetainedBytes::trivial, agents);
    rows.add(
        new Row(
            "Caffeine Cache<String, Boolean> (value Boolean.TRUE)",
            "-",
            trivialBytes - keyBytes,
            trivialBytes));
    rows.add(new Row("bare key strings (\"agent-000123\")", "-", 0, keyBytes));

    out.printf(
        Locale.ROOT,
        "Retained bytes per tracked agent, %,d agents, Caffeine maximumSize %,d, %s %s%n",
        AGENTS,
        MAXIMUM,
        System.getProperty("java.vm.name"),
        System.getProperty("java.vm.version"));
    out.println(VM.current().details());
    out.println("| structure | policy | bytes/agent, structure only | bytes/agent, incl. key strings |");
    out.println("|---|---|---:|---:|");
    for (Row row : rows) {
      out.printf(
          Locale.ROOT,
          "| %s | %s | %.1f | %.1f |%n",
          row.structure(),
          row.policy(),
          row.structureOnly(),
          row.withKeys());
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "Fixed cost of an empty limiter with maximumTrackedAgents(%,d): %,d bytes%n",
        MAXIMUM,
        GraphLayout.parseInstance(library(one, new String[0])).totalSize());

    for (Map.Entry<String, Structure> entry : breakdowns.entrySet()) {
      out.println();
      out.println("Per-agent breakdown, " + entry.getKey() + " (objects/agent, bytes/agent):");
      breakdown(out, entry.getValue(), agents);
    }
  }

  static AgentLimiter library(Policy policy, String[] ids) {
    AgentLimiter limiter = Fixtures.limiter(MAXIMUM);
    for (String id : ids) {
      limiter.tryAcquire(AgentIdentity.of(id, IdentitySource.API_KEY), policy);
    }
    check(limiter.admin().trackedAgents(), ids.length);
    return limiter;
  }

  static Cache<String, Bucket> floor(Function<String, Bucket> factory, String[] ids) {
    Cache<String, Bucket> cache = Fixtures.floorCache(MAXIMUM);
    for (String id : ids) {
      cache.get(id, factory).tryConsume(1);
    }
    cache.cleanUp();
    check(cache.estimatedSize(), ids.length);
    return cache;
  }

  static Cache<String, Boolean> trivial(String[] ids) {
    Cache<String, Boolean> cache = Fixtures.floorCache(MAXIMUM);
    for (String id : ids) {
      cache.put(id, Boolean.TRUE);
    }
    cache.cleanUp();
    check(cache.estimatedSize(), ids.length);
    return cache;
  }

  /**
   * A floor a careful user could write: one {@link BucketConfiguration} shared by every bucket through the
   * public {@link LockFreeBucket} constructor, instead of {@code Bucket.builder()}, which builds a
   * configuration per bucket.
   */
  static Function<String, Bucket> sharedConfigurationFactory(Bandwidth[] bandwidths) {
    ConfigurationBuilder builder = BucketConfiguration.builder();
    for (Bandwidth bandwidth : bandwidths) {
      builder.addLimit(bandwidth);
    }
    BucketConfiguration configuration = builder.build();
    return key ->
        new LockFreeBucket(
            configuration, MathType.INTEGER_64_BITS, TimeMeter.SYSTEM_NANOTIME, BucketListener.NOPE);
  }

  private static void check(long tracked, int expected) {
    if (tracked != expected) {
      throw new IllegalStateException("expected " + expected + " entries but found " + tracked);
    }
  }

  private static String[] withWarmUp(String[] agents) {
    String[] all = new String[agents.length + 1];
    all[0] = WARM_UP;
    System.arraycopy(agents, 0, all, 1, agents.length);
    return all;
  }

  /** Bytes retained by one more agent: (N + 1 agents) minus (1 agent), over N. */
  static double perAgent(Structure structure, String[] agents) {
    long baseline = GraphLayout.parseInstance(structure.track(new String[] {WARM_UP})).totalSize();
    long full = GraphLayout.parseInstance(structure.track(withWarmUp(agents))).totalSize();
    return (double) (full - baseline) / agents.length;
  }

  /** Per-class objects and bytes per agent, the difference between the full and the baseline graph. */
  static void breakdown(PrintStream out, Structure structure, String[] agents) {
    GraphLayout baseline = GraphLayout.parseInstance(structure.track(new String[] {WARM_UP}));
    GraphLayout full = GraphLayout.parseInstance(structure.track(withWarmUp(agents)));
    Multiset<Class<?>> baseCounts = baseline.getClassCounts();
    Multiset<Class<?>> baseSizes = baseline.getClassSizes();
    Multiset<Class<?>> fullCounts = full.getClassCounts();
    Multiset<Class<?>> fullSizes = full.getClassSizes();
    Map<String, double[]> lines = new TreeMap<>();
    for (Class<?> type : full.getClasses()) {
      double count = (double) (fullCounts.count(type) - baseCounts.count(type)) / agents.length;
      double bytes = (double) (fullSizes.count(type) - baseSizes.count(type)) / agents.length;
      if (bytes >= 0.05) {
        lines.put(type.getName(), new double[] {count, bytes});
      }
    }
    double total = 0;
    for (Map.Entry<String, double[]> line : lines.entrySet()) {
      out.printf(
          Locale.ROOT, "  %-70s %6.2f %8.1f%n", line.getKey(), line.getValue()[0], line.getValue()[1]);
      total += line.getValue()[1];
    }
    out.printf(Locale.ROOT, "  %-70s %6s %8.1f%n", "total", "", total);
  }
}
