package dev.agentlimiter.jmh;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.core.AgentLimiters;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * What every benchmark shares: the two limits (one that never refuses, one that always does once drained),
 * the library built as documented, and the floor built with the same settings as the library's own cache.
 */
final class Fixtures {

  /** The library's default idle expiry, used by the library and by every floor cache. */
  static final Duration IDLE_EXPIRY = Duration.ofMinutes(15);

  /** The smallest bound on tracked agents a benchmark uses. */
  static final long MIN_TRACKED = 1024;

  /**
   * Never refuses within a benchmark. The brief asked for capacity 10^12, but {@link Limit} rejects any
   * capacity above {@code Long.MAX_VALUE / periodNanos - 1} (about 9.2 * 10^9 for a one-second period), so
   * the capacity is 10^9; with a refill of 10^9 per second (one token per nanosecond, the most
   * {@link Limit} accepts) a bucket cannot be drained by a thread that takes more than a nanosecond per
   * call.
   */
  static final long ALLOWED_CAPACITY = 1_000_000_000L;

  static final long ALLOWED_REFILL = 1_000_000_000L;
  static final Duration ALLOWED_PERIOD = Duration.ofSeconds(1);

  /** One token, one back per hour: drained once, refuses for the rest of the run. */
  static final long REJECTED_CAPACITY = 1;

  static final long REJECTED_REFILL = 1;
  static final Duration REJECTED_PERIOD = Duration.ofHours(1);

  private Fixtures() {}

  /** The {@code path} parameter. */
  enum Path {
    ALLOWED,
    REJECTED;

    static Path of(String name) {
      return switch (name) {
        case "allowed" -> ALLOWED;
        case "rejected" -> REJECTED;
        default ->
            throw new IllegalArgumentException("path must be allowed or rejected but was " + name);
      };
    }

    /** What every call is expected to return on this path. */
    boolean expected() {
      return this == ALLOWED;
    }
  }

  /** The single-limit policy of a path, named {@code bench}. */
  static Policy policy(Path path) {
    Limit limit =
        path == Path.ALLOWED
            ? Limit.capacity(ALLOWED_CAPACITY).refill(ALLOWED_REFILL).per(ALLOWED_PERIOD)
            : Limit.capacity(REJECTED_CAPACITY).refill(REJECTED_REFILL).per(REJECTED_PERIOD);
    return Policy.named("bench").limit(limit).build();
  }

  /**
   * The Bucket4j bandwidths equivalent to a policy's limits, built as the library builds them: greedy
   * refill, starting at the limit's initial tokens.
   */
  static Bandwidth[] bandwidths(Policy policy) {
    List<Limit> limits = policy.limits();
    Bandwidth[] result = new Bandwidth[limits.size()];
    for (int i = 0; i < result.length; i++) {
      Limit limit = limits.get(i);
      result[i] =
          Bandwidth.builder()
              .capacity(limit.capacity())
              .refillGreedy(limit.refillTokens(), limit.refillPeriod())
              .initialTokens(limit.initialTokens())
              .build();
    }
    return result;
  }

  /** The bound on tracked agents for a key set: twice the keys, at least {@value #MIN_TRACKED}. */
  static long maximumTracked(int keys) {
    return Math.max(2L * keys, MIN_TRACKED);
  }

  /** The library, built as its documentation shows. */
  static AgentLimiter limiter(long maximumTrackedAgents) {
    return AgentLimiters.newBuilder()
        .maximumTrackedAgents(maximumTrackedAgents)
        .idleExpiry(IDLE_EXPIRY)
        .build();
  }

  /**
   * A floor cache with the library's cache settings: bounded, expire after access, maintenance on the
   * calling thread. (The library also sets its own ticker and an eviction listener; neither runs on a hit.)
   */
  static <V> Cache<String, V> floorCache(long maximumSize) {
    return Caffeine.newBuilder()
        .maximumSize(maximumSize)
        .expireAfterAccess(IDLE_EXPIRY)
        .executor(Runnable::run)
        .build();
  }

  /** {@code agent-%06d} without {@code String.format}, which is slow for a million keys. */
  static String agentId(int index) {
    String digits = Integer.toString(index);
    return "agent-" + "000000".substring(Math.min(6, digits.length())) + digits;
  }

  /**
   * The floor's mapping function, built once and kept in a field so that a cache hit allocates no lambda.
   * Each call builds a bucket the documented way: {@code Bucket.builder().addLimit(...).build()}, with the
   * given synchronization strategy and nanosecond precision (the library reads {@link System#nanoTime()};
   * Bucket4j's default clock is {@code System.currentTimeMillis()}, which would make the floor coarser, not
   * cheaper: both are vDSO calls).
   */
  static final class BucketFactory implements Function<String, Bucket> {
    private final Bandwidth[] bandwidths;
    private final SynchronizationStrategy strategy;

    BucketFactory(Bandwidth[] bandwidths, SynchronizationStrategy strategy) {
      this.bandwidths = bandwidths.clone();
      this.strategy = strategy;
    }

    @Override
    public Bucket apply(String key) {
      LocalBucketBuilder builder = Bucket.builder();
      for (Bandwidth bandwidth : bandwidths) {
        builder.addLimit(bandwidth);
      }
      return builder.withNanosecondPrecision().withSynchronizationStrategy(strategy).build();
    }
  }
}
