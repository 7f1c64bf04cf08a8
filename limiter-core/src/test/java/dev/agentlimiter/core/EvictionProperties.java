package dev.agentlimiter.core;

import static dev.agentlimiter.core.BucketModelProperties.w;
import static dev.agentlimiter.core.BucketModelProperties.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
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
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * Eviction is never a free reset, nor a loss: an evicted bucket comes back exactly as it left. A tiny cache
 * (1 to 3 tracked agents, idle expiry from 1 ms to 10 s) serves six agents while the clock moves both ways,
 * so buckets are evicted by size and by idleness all the time and rebuilt from the ledger. Six agents fit
 * in one set of the ledger ({@value EvictionLedger#WAYS} ways), so no record is ever lost. Beside it runs an
 * engine that never evicts (a large cache, idle expiry of a year), and each agent has a model of the bucket
 * it would have had without eviction, charged with exactly what the engine granted. Invariants, after every
 * step:
 *
 * <ul>
 *   <li>always, also after the clock jumps back: every decision and every agent's state equal those of the
 *       engine that never evicts;
 *   <li>while the clock only moves forward: the engine never grants a token the uninterrupted bucket would
 *       not have had (the model never goes negative), and an agent's tokens equal the model's;
 *   <li>always: tokens granted stay within {@code capacity + floor(refill * (latest - t0) / period)}.
 * </ul>
 */
class EvictionProperties {

  @Property(tries = 1000)
  void evictionNeverMintsTokens(@ForAll("chains") ActionChain<Harness> chain) {
    chain.withInvariant("engine equals the engine that never evicts", Harness::check).run();
  }

  record Setup(Policy policy, long clockStart, int maximumAgents, long idleNanos) {}

  @Provide
  Arbitrary<ActionChain<Harness>> chains() {
    return Combinators.combine(
            BucketModelProperties.policies(),
            BucketModelProperties.clockStarts(),
            Arbitraries.integers().between(1, 3),
            Arbitraries.longs().between(1_000_000L, 10_000_000_000L))
        .as(Setup::new)
        .flatMap(
            setup ->
                ActionChain.<Harness>startWith(() -> new Harness(setup))
                    .withAction(6, new Request())
                    .withAction(3, new Move(false))
                    .withAction(1, new Move(true))
                    .withMaxTransformations(80));
  }

  static final class Harness {
    final Policy policy;
    final FakeTimeSource clock;
    final AgentLimiter limiter;
    /** The same requests on the same clock, with nothing ever evicted. */
    final AgentLimiter neverEvicts;
    final AgentIdentity[] agents = new AgentIdentity[6];
    final ReferenceBucket[][] models = new ReferenceBucket[6][];
    final BigInteger[] createdAt = new BigInteger[6];
    final long[][] granted;
    BigInteger now = BigInteger.ZERO;
    BigInteger latest = BigInteger.ZERO;
    /**
     * Whether the clock has only moved forward. After a backward jump, what an "uninterrupted" bucket would
     * hold depends on when each copy last saw the clock, so only the safety bound is checked from then on.
     */
    boolean monotonic = true;

    Harness(Setup setup) {
      policy = setup.policy();
      clock = new FakeTimeSource(setup.clockStart());
      limiter =
          AgentLimiters.newBuilder()
              .timeSource(clock)
              .maximumTrackedAgents(setup.maximumAgents())
              .idleExpiry(Duration.ofNanos(setup.idleNanos()))
              .build();
      neverEvicts =
          AgentLimiters.newBuilder().timeSource(clock).idleExpiry(Duration.ofDays(365)).build();
      for (int i = 0; i < agents.length; i++) {
        agents[i] = AgentIdentity.of(i % 2 == 0 ? "a" + i : "a-long-identity-number-" + i, IdentitySource.API_KEY);
      }
      granted = new long[agents.length][policy.limits().size()];
    }

    void move(long delta) {
      monotonic &= delta >= 0;
      clock.advanceNanos(delta);
      now = now.add(BigInteger.valueOf(delta));
      latest = latest.max(now);
    }

    void request(int agent, long cost) {
      Decision d = limiter.decide(AgentRequest.of(agents[agent], policy).withCost(cost));
      assertThat(d).isEqualTo(neverEvicts.decide(AgentRequest.of(agents[agent], policy).withCost(cost)));
      if (cost > policy.minCapacity()) {
        assertThat(d.reason()).isEqualTo(Reason.INVALID_REQUEST); // touches no state
        return;
      }
      ReferenceBucket[] m = models[agent];
      if (m == null) {
        m = ReferenceBucket.forPolicy(policy, now);
        models[agent] = m;
        createdAt[agent] = now;
      }
      // With a clock that jumps back, a bucket may be (re)built before the first request's time: the bound
      // runs from the earliest request time.
      createdAt[agent] = createdAt[agent].min(now);
      for (ReferenceBucket b : m) {
        b.advanceTo(now);
      }
      if (d.reason() == Reason.ALLOWED) {
        for (int l = 0; l < m.length; l++) {
          if (monotonic) {
            m[l].take(cost); // throws if the uninterrupted bucket did not have the tokens
          }
          granted[agent][l] += cost;
        }
      } else {
        assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
      }
    }

    void check() {
      for (int agent = 0; agent < agents.length; agent++) {
        ReferenceBucket[] m = models[agent];
        if (m == null) {
          continue;
        }
        List<RateLimitStatus> view = limiter.admin().inspect(agents[agent], policy);
        assertThat(view).isEqualTo(neverEvicts.admin().inspect(agents[agent], policy));
        for (int l = 0; l < m.length; l++) {
          if (monotonic) {
            assertThat(view.get(l).remaining())
                .as("agent %d limit %d", agent, l)
                .isEqualTo(m[l].peek(now).available());
          }
          assertThat(BigInteger.valueOf(granted[agent][l]))
              .isLessThanOrEqualTo(m[l].bound(createdAt[agent], latest));
        }
      }
      assertThat(limiter.admin().trackedAgents()).isLessThanOrEqualTo(3);
    }

    @Override
    public String toString() {
      return "Harness[" + policy + ", now=" + now + "]";
    }
  }

  static final class Request implements net.jqwik.api.state.Action.Independent<Harness> {
    @Override
    public Arbitrary<Transformer<Harness>> transformer() {
      return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.longs().between(1, 3))
          .as((a, c) -> Transformer.mutate("agent " + a + " requests " + c, h -> h.request(a, c)));
    }
  }

  static final class Move implements net.jqwik.api.state.Action.Independent<Harness> {
    private final boolean back;

    Move(boolean back) {
      this.back = back;
    }

    @Override
    public Arbitrary<Transformer<Harness>> transformer() {
      Arbitrary<Long> delta =
          weighted(
              w(4, Arbitraries.longs().between(0, 20_000_000L)),
              w(3, Arbitraries.longs().between(0, 20_000_000_000L)),
              w(1, Arbitraries.longs().between(0, 10_000_000_000_000L)));
      return delta.map(
          d ->
              Transformer.mutate(
                  (back ? "back " : "advance ") + d + " ns", h -> h.move(back ? -d : d)));
    }
  }
}
