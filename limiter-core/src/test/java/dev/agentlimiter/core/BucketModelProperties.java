package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;
import org.jspecify.annotations.Nullable;

/**
 * The engine against {@link ReferenceBucket}, exactly, over random action chains: requests of random cost
 * from three agents, the clock moving forward by up to 100 years, and jumping backwards. Clocks start
 * anywhere in the {@code long} range, Long.MIN_VALUE and Long.MAX_VALUE included, so readings wrap.
 *
 * <p>Invariants checked after every step, in integers with no tolerance:
 *
 * <ul>
 *   <li>every agent's tokens equal the model's, and {@code 0 <= tokens <= capacity};
 *   <li>safety: tokens granted since the agent's first request never exceed
 *       {@code capacity + floor(refill * (latest - t0) / period)};
 *   <li>every decision agrees with the model: admitted exactly when every limit holds the cost, a refusal
 *       takes nothing, retry-after and reset are the model's exact waits, the RateLimit values are the
 *       model's;
 *   <li>a second engine whose clock reads every time shifted by a random delta decides identically;
 *   <li>liveness: after a refusal, waiting exactly the retry-after (or its rounded-up seconds) admits;
 *   <li>isolation: one agent's requests never change another agent's tokens (all agents are checked after
 *       every step, against models that only their own requests touch).
 * </ul>
 */
class BucketModelProperties {

  static final long NANOS_PER_YEAR = 365L * 86_400_000_000_000L;
  static final BigInteger MAX_SPAN = BigInteger.valueOf(140 * NANOS_PER_YEAR);

  @Property(tries = 1000)
  void engineMatchesTheReferenceModel(@ForAll("chains") ActionChain<Harness> chain) {
    chain.withInvariant("engine state equals the model", Harness::checkAll).run();
  }

  @Provide
  Arbitrary<ActionChain<Harness>> chains() {
    return Combinators.combine(policies(), clockStarts(), Arbitraries.longs())
        .as(Setup::new)
        .flatMap(
            setup ->
                ActionChain.<Harness>startWith(() -> new Harness(setup))
                    .withAction(5, new RequestAction(setup.policy))
                    .withAction(3, Action.just("noop", Transformer.noop()))
                    .withAction(3, new AdvanceAction())
                    .withAction(1, new BackAction())
                    .withAction(2, new RetryExactlyAction(false))
                    .withAction(1, new RetryExactlyAction(true))
                    .withMaxTransformations(60));
  }

  record Setup(Policy policy, long clockStart, long shift) {}

  static Arbitrary<Long> clockStarts() {
    return Arbitraries.oneOf(
        Arbitraries.longs(),
        Arbitraries.longs().between(Long.MAX_VALUE - 10 * NANOS_PER_YEAR, Long.MAX_VALUE),
        Arbitraries.longs().between(Long.MIN_VALUE, Long.MIN_VALUE + 10 * NANOS_PER_YEAR));
  }

  static Arbitrary<Policy> policies() {
    return limits()
        .list()
        .ofMinSize(1)
        .ofMaxSize(3)
        .map(
            limits -> {
              Policy.Builder builder = Policy.named("p");
              limits.forEach(builder::limit);
              return builder.build();
            });
  }

  static Arbitrary<Limit> limits() {
    Arbitrary<Long> period =
        Arbitraries.oneOf(
            Arbitraries.longs().between(1, 1_000),
            Arbitraries.longs().between(1, 2_000_000_000L),
            Arbitraries.of(
                1_000_000_000L, 60_000_000_000L, 3_600_000_000_000L, 86_400_000_000_000L,
                NANOS_PER_YEAR, 100 * NANOS_PER_YEAR));
    Arbitrary<Long> small = Arbitraries.longs().between(1, 40);
    Arbitrary<Long> large = Arbitraries.longs().between(1, 4_000_000_000_000L);
    Arbitrary<Long> capacity = weighted(w(4, small), w(1, large));
    Arbitrary<Long> refill = weighted(w(4, small), w(1, large));
    Arbitrary<Integer> initialPercent =
        weighted(
            w(3, Arbitraries.just(100)), w(1, Arbitraries.integers().between(0, 99)));
    return Combinators.combine(capacity, refill, period, initialPercent)
        .as(
            (c, r, p, pct) -> {
              long maxByPeriod = Long.MAX_VALUE / p - 1;
              long ref = Math.min(Math.min(r, p), maxByPeriod);
              // Refilling from empty may take at most 100 years.
              long maxByFill = Math.max(1, Math.multiplyHigh(100 * NANOS_PER_YEAR, ref) == 0
                  ? 100 * NANOS_PER_YEAR * ref / p
                  : maxByPeriod);
              long cap = Math.min(Math.min(c, maxByPeriod), maxByFill);
              Limit limit = Limit.capacity(cap).refill(ref).per(Duration.ofNanos(p));
              return pct >= 100 ? limit : limit.withInitialTokens(cap / 100 * pct + cap % 100 * pct / 100);
            });
  }

  /** Picks one of the arbitraries with the given weights. */
  static <T> Arbitrary<T> weighted(Tuple2<Integer, Arbitrary<T>> a, Tuple2<Integer, Arbitrary<T>> b) {
    return Arbitraries.frequencyOf(List.of(a, b));
  }

  static <T> Arbitrary<T> weighted(
      Tuple2<Integer, Arbitrary<T>> a, Tuple2<Integer, Arbitrary<T>> b, Tuple2<Integer, Arbitrary<T>> c) {
    return Arbitraries.frequencyOf(List.of(a, b, c));
  }

  static <T> Tuple2<Integer, Arbitrary<T>> w(int weight, Arbitrary<T> arbitrary) {
    return Tuple.of(weight, arbitrary);
  }

  /** Two engines (one with a shifted clock), a model per agent, and the bookkeeping for the bounds. */
  static final class Harness {
    final Policy policy;
    final FakeTimeSource clock;
    final FakeTimeSource shiftedClock;
    final AgentLimiter limiter;
    final AgentLimiter shifted;
    final AgentIdentity[] agents = {
      AgentIdentity.of("agent-0", IdentitySource.API_KEY),
      AgentIdentity.of("agent-1-with-a-long-id", IdentitySource.API_KEY),
      AgentIdentity.of("agent-2", IdentitySource.JWT),
    };
    final ReferenceBucket[][] models = new ReferenceBucket[3][];
    final BigInteger[] createdAt = new BigInteger[3];
    final long[][] granted;
    /** Time since the engines were built; may go negative when the clock jumps back. */
    BigInteger now = BigInteger.ZERO;
    BigInteger latest = BigInteger.ZERO;
    int pendingAgent = -1;
    long pendingCost;
    @Nullable Decision pendingRefusal;

    Harness(Setup setup) {
      this.policy = setup.policy();
      this.clock = new FakeTimeSource(setup.clockStart());
      this.shiftedClock = new FakeTimeSource(setup.clockStart() + setup.shift());
      Duration neverIdle = Duration.ofDays(365L * 200);
      this.limiter = AgentLimiters.newBuilder().timeSource(clock).idleExpiry(neverIdle).build();
      this.shifted = AgentLimiters.newBuilder().timeSource(shiftedClock).idleExpiry(neverIdle).build();
      this.granted = new long[3][policy.limits().size()];
    }

    void move(long deltaNanos) {
      clock.advanceNanos(deltaNanos);
      shiftedClock.advanceNanos(deltaNanos);
      now = now.add(BigInteger.valueOf(deltaNanos));
      latest = latest.max(now);
      pendingRefusal = null;
    }

    ReferenceBucket[] model(int agent) {
      ReferenceBucket[] m = models[agent];
      if (m == null) {
        m = ReferenceBucket.forPolicy(policy, now);
        models[agent] = m;
        createdAt[agent] = now;
      }
      for (ReferenceBucket b : m) {
        b.advanceTo(now);
      }
      return m;
    }

    Decision request(int agent, long cost) {
      AgentRequest request = AgentRequest.of(agents[agent], policy).withCost(cost);
      Decision decision = limiter.decide(request);
      Statistics.label("decisions").collect(decision.reason());
      assertThat(shifted.decide(request)).as("shifted clock decides the same").isEqualTo(decision);
      pendingRefusal = null;
      if (cost > policy.minCapacity()) {
        assertThat(decision.reason()).isEqualTo(Reason.INVALID_REQUEST);
        return decision;
      }
      ReferenceBucket[] m = model(agent);
      boolean fits = true;
      long wait = 0;
      for (ReferenceBucket b : m) {
        fits &= b.available() >= cost;
        wait = Math.max(wait, b.nanosUntil(cost));
      }
      if (fits) {
        assertThat(decision.reason()).isEqualTo(Reason.ALLOWED);
        assertThat(decision.retryAfter()).isZero();
        for (int l = 0; l < m.length; l++) {
          m[l].take(cost);
          granted[agent][l] += cost;
        }
      } else {
        assertThat(decision.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(decision.retryAfter().toNanos()).as("exact retry-after").isEqualTo(wait);
        assertThat(decision.retryAfterSeconds())
            .isEqualTo(Math.max(1, (wait + 999_999_999) / 1_000_000_000));
        boolean refillsFromNow = true;
        for (ReferenceBucket b : m) {
          refillsFromNow &= b.lastRefill().compareTo(now) <= 0;
        }
        if (refillsFromNow) {
          pendingAgent = agent;
          pendingCost = cost;
          pendingRefusal = decision;
        }
      }
      List<RateLimitStatus> statuses = decision.limits();
      assertThat(statuses).hasSize(m.length);
      for (int l = 0; l < m.length; l++) {
        RateLimitStatus s = statuses.get(l);
        assertThat(s.remaining()).as("remaining of limit %d", l).isEqualTo(m[l].available());
        assertThat(s.resetAfter().toNanos()).as("reset of limit %d", l).isEqualTo(m[l].nanosUntilFull());
        assertThat(s.quota()).isEqualTo(policy.limits().get(l).capacity());
        assertThat(s.window()).isEqualTo(policy.limits().get(l).refillPeriod());
      }
      return decision;
    }

    @Override
    public String toString() {
      return "Harness[" + policy + ", now=" + now + ", latest=" + latest + "]";
    }

    void checkAll() {
      for (int agent = 0; agent < agents.length; agent++) {
        if (models[agent] == null) {
          continue;
        }
        ReferenceBucket[] m = models[agent];
        List<RateLimitStatus> view = limiter.admin().inspect(agents[agent], policy);
        for (int l = 0; l < m.length; l++) {
          long tokens = view.get(l).remaining();
          assertThat(tokens)
              .as("agent %d limit %d tokens", agent, l)
              .isEqualTo(m[l].peek(now).available());
          assertThat(tokens).isBetween(0L, policy.limits().get(l).capacity());
          BigInteger bound = m[l].bound(createdAt[agent], latest);
          assertThat(BigInteger.valueOf(granted[agent][l]))
              .as("agent %d limit %d granted within capacity + refill * elapsed", agent, l)
              .isLessThanOrEqualTo(bound);
        }
      }
    }
  }

  static final class RequestAction implements Action.Independent<Harness> {
    private final Policy policy;

    RequestAction(Policy policy) {
      this.policy = policy;
    }

    @Override
    public Arbitrary<Transformer<Harness>> transformer() {
      long min = policy.minCapacity();
      Arbitrary<Long> cost =
          weighted(
              w(6, Arbitraries.longs().between(1, Math.min(min, 3))),
              w(2, Arbitraries.longs().between(1, min)),
              w(1, Arbitraries.longs().between(min, min + 1)));
      return Combinators.combine(Arbitraries.integers().between(0, 2), cost)
          .as(
              (agent, c) ->
                  Transformer.mutate("agent " + agent + " requests " + c, h -> h.request(agent, c)));
    }
  }

  static final class AdvanceAction implements Action.Independent<Harness> {
    @Override
    public Arbitrary<Transformer<Harness>> transformer() {
      Arbitrary<Long> delta =
          weighted(
              w(5, Arbitraries.longs().between(0, 2_000_000_000L)),
              w(3, Arbitraries.longs().between(0, 10_000_000_000_000L)),
              w(1, Arbitraries.longs().between(0, 100 * NANOS_PER_YEAR)));
      return delta.map(
          d ->
              Transformer.mutate(
                  "advance " + d + " ns",
                  h -> {
                    if (h.now.add(BigInteger.valueOf(d)).compareTo(MAX_SPAN) <= 0) {
                      h.move(d);
                    }
                  }));
    }
  }

  static final class BackAction implements Action.Independent<Harness> {
    @Override
    public Arbitrary<Transformer<Harness>> transformer() {
      return Arbitraries.longs()
          .between(1, 10_000_000_000_000L)
          .map(
              d ->
                  Transformer.mutate(
                      "jump back " + d + " ns",
                      h -> {
                        if (h.now.subtract(BigInteger.valueOf(d)).compareTo(MAX_SPAN.negate()) >= 0) {
                          h.move(-d);
                        }
                      }));
    }
  }

  /** Liveness: a client that waits exactly what it was told is admitted. */
  static final class RetryExactlyAction implements Action.Dependent<Harness> {
    private final boolean roundedSeconds;

    RetryExactlyAction(boolean roundedSeconds) {
      this.roundedSeconds = roundedSeconds;
    }

    @Override
    public boolean precondition(Harness h) {
      return h.pendingRefusal != null;
    }

    @Override
    public Arbitrary<Transformer<Harness>> transformer(Harness state) {
      return Arbitraries.just(
          Transformer.mutate(
              roundedSeconds ? "wait Retry-After seconds and retry" : "wait retry-after and retry",
              h -> {
                Decision refusal = h.pendingRefusal;
                if (refusal == null) {
                  return;
                }
                int agent = h.pendingAgent;
                long cost = h.pendingCost;
                long wait =
                    roundedSeconds
                        ? Math.multiplyExact(refusal.retryAfterSeconds(), 1_000_000_000L)
                        : refusal.retryAfter().toNanos();
                if (h.now.add(BigInteger.valueOf(wait)).compareTo(MAX_SPAN) > 0) {
                  return;
                }
                h.move(wait);
                Statistics.label("liveness checks").collect(roundedSeconds ? "Retry-After seconds" : "exact");
                assertThat(h.request(agent, cost).reason())
                    .as("admitted after waiting %d ns", wait)
                    .isEqualTo(Reason.ALLOWED);
              }));
    }
  }
}
