package dev.agentlimiter.core;

import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import java.math.BigInteger;
import java.util.List;

/**
 * The obviously-correct model of one greedy token bucket, in unbounded integers: the content is kept in
 * token-nanoseconds, {@code scaled = tokens * period}, and grows by {@code refill} per nanosecond up to
 * {@code capacity * period}. Time only moves the bucket forward; an earlier reading changes nothing.
 */
final class ReferenceBucket {

  final BigInteger capacity;
  final BigInteger refill;
  final BigInteger period;
  private BigInteger scaled;
  private BigInteger last;

  ReferenceBucket(Limit limit, BigInteger createdAt) {
    this.capacity = BigInteger.valueOf(limit.capacity());
    this.refill = BigInteger.valueOf(limit.refillTokens());
    this.period = BigInteger.valueOf(limit.refillPeriod().toNanos());
    this.scaled = BigInteger.valueOf(limit.initialTokens()).multiply(period);
    this.last = createdAt;
  }

  /** One model bucket per limit of {@code policy}, all created (at their initial tokens) at {@code now}. */
  static ReferenceBucket[] forPolicy(Policy policy, BigInteger now) {
    List<Limit> limits = policy.limits();
    ReferenceBucket[] buckets = new ReferenceBucket[limits.size()];
    for (int l = 0; l < buckets.length; l++) {
      buckets[l] = new ReferenceBucket(limits.get(l), now);
    }
    return buckets;
  }

  private ReferenceBucket(ReferenceBucket other) {
    this.capacity = other.capacity;
    this.refill = other.refill;
    this.period = other.period;
    this.scaled = other.scaled;
    this.last = other.last;
  }

  /** A copy advanced to {@code now}; this bucket is unchanged (observing does not refill). */
  ReferenceBucket peek(BigInteger now) {
    ReferenceBucket copy = new ReferenceBucket(this);
    copy.advanceTo(now);
    return copy;
  }

  void advanceTo(BigInteger now) {
    if (now.compareTo(last) <= 0) {
      return;
    }
    BigInteger grown = scaled.add(refill.multiply(now.subtract(last)));
    scaled = grown.min(capacity.multiply(period));
    last = now;
  }

  BigInteger lastRefill() {
    return last;
  }

  long available() {
    return scaled.divide(period).longValueExact();
  }

  void take(long tokens) {
    scaled = scaled.subtract(BigInteger.valueOf(tokens).multiply(period));
    if (scaled.signum() < 0) {
      throw new AssertionError("model went negative: the engine granted tokens it did not have");
    }
  }

  /** Least nanoseconds until the bucket holds {@code tokens}: ceil((tokens * period - scaled) / refill). */
  long nanosUntil(long tokens) {
    BigInteger needed = BigInteger.valueOf(tokens).multiply(period).subtract(scaled);
    if (needed.signum() <= 0) {
      return 0;
    }
    return needed.add(refill).subtract(BigInteger.ONE).divide(refill).longValueExact();
  }

  long nanosUntilFull() {
    return nanosUntil(capacity.longValueExact());
  }

  /** The safety bound: tokens an agent may be granted between {@code t0} and {@code latest}. */
  BigInteger bound(BigInteger t0, BigInteger latest) {
    return capacity.add(refill.multiply(latest.subtract(t0)).divide(period));
  }
}
