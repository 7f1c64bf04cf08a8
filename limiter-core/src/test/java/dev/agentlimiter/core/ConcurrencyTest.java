package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.core.internal.engine.Limiter;
import dev.agentlimiter.core.internal.state.LocalPolicyState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Many threads against one engine. The clock is frozen (or moved by the test), so the exact number of
 * tokens that may be granted is known; the threads start together on a latch to maximise contention.
 */
class ConcurrencyTest {

  private static final int THREADS = 64;

  private static final Policy HUNDRED =
      Policy.named("hundred").limit(Limit.capacity(1_000).refill(1).per(Duration.ofHours(1))).build();

  private static final Policy FIVE =
      Policy.named("five").limit(Limit.capacity(5).refill(1).per(Duration.ofHours(1))).build();

  /** Runs {@code task(thread)} on 64 threads released together; returns when all are done. */
  private static void race(ThreadTask task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch ready = new CountDownLatch(THREADS);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  task.run(thread);
                  return null;
                }));
      }
      ready.await();
      go.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @FunctionalInterface
  interface ThreadTask {
    void run(int thread) throws Exception;
  }

  @RepeatedTest(5)
  void oneAgentIsGrantedExactlyTheCapacity() throws Exception {
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(new FakeTimeSource(42)).build();
    AgentIdentity agent = AgentIdentity.of("hot-agent", IdentitySource.API_KEY);
    AtomicLong granted = new AtomicLong();
    race(
        thread -> {
          for (int i = 0; i < 50; i++) {
            boolean ok =
                i % 2 == 0
                    ? limiter.decide(AgentRequest.of(agent, HUNDRED)).isAllowed()
                    : limiter.tryAcquire(agent, HUNDRED);
            if (ok) {
              granted.incrementAndGet();
            }
          }
        });
    // 64 * 50 = 3,200 attempts for 1,000 tokens on a frozen clock: exactly 1,000, no more, no less.
    assertThat(granted.get()).isEqualTo(1_000);
    assertThat(limiter.admin().inspect(agent, HUNDRED).get(0).remaining()).isZero();
  }

  @Test
  void tenThousandAgentsEachGetExactlyTheirCapacity() throws Exception {
    tenThousandAgents(1_000_000, true);
  }

  @Test
  void underEvictionChurnOnlyALostLedgerRecordRefillsABucket() throws Exception {
    // 10,000 agents through a cache of 500: entries are evicted and rebuilt from the ledger all the time,
    // and threads race on buckets as they are retired. The ledger (256 records) cannot hold 9,500 drained
    // agents: each record it loses gives one agent a new bucket, at most 5 tokens on this frozen clock, and
    // nothing else may mint a token.
    tenThousandAgents(500, false);
  }

  private void tenThousandAgents(long maximumTracked, boolean exact) throws Exception {
    int agents = 10_000;
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(new FakeTimeSource(-7))
            .maximumTrackedAgents(maximumTracked)
            .build();
    AgentIdentity[] ids = new AgentIdentity[agents];
    for (int i = 0; i < agents; i++) {
      ids[i] = AgentIdentity.of(i % 3 == 0 ? "agent-with-a-long-id-" + i : "a" + i, IdentitySource.JWT);
    }
    AtomicIntegerArray granted = new AtomicIntegerArray(agents);
    AtomicIntegerArray attempts = new AtomicIntegerArray(agents);
    race(
        thread -> {
          SplittableRandom random = new SplittableRandom(thread);
          for (int i = 0; i < 4_000; i++) {
            int a = random.nextInt(agents);
            attempts.incrementAndGet(a);
            if (limiter.tryAcquire(ids[a], FIVE)) {
              granted.incrementAndGet(a);
            }
          }
        });
    long total = 0;
    long excess = 0;
    for (int a = 0; a < agents; a++) {
      if (exact) {
        assertThat(granted.get(a)).as("agent %d", a).isEqualTo(Math.min(5, attempts.get(a)));
      }
      excess += Math.max(0, granted.get(a) - 5);
      total += granted.get(a);
    }
    long lost = ((LocalPolicyState) ((Limiter) limiter).engine.bind(FIVE).state).ledger.lostRecords();
    if (exact) {
      assertThat(lost).isZero();
    }
    assertThat(excess).as("tokens beyond capacity, %d records lost", lost).isLessThanOrEqualTo(5 * lost);
    assertThat(total).isPositive();
    assertThat(limiter.admin().trackedAgents()).isLessThanOrEqualTo(maximumTracked);
  }

  /** Regression: a retired bucket was once reused after a newer one had been built and spent. */
  @RepeatedTest(20)
  void grantsStayWithinCapacityPlusRefillWhileTheClockMoves() throws Exception {
    FakeTimeSource clock = new FakeTimeSource(Long.MAX_VALUE - 1_000_000);
    Policy perMilli =
        Policy.named("per-milli").limit(Limit.capacity(50).refill(1).per(Duration.ofMillis(1))).build();
    AgentLimiter limiter =
        AgentLimiters.newBuilder().timeSource(clock).maximumTrackedAgents(8).build();
    AgentIdentity[] ids = new AgentIdentity[16];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = AgentIdentity.of("agent-" + i, IdentitySource.API_KEY);
    }
    AtomicIntegerArray granted = new AtomicIntegerArray(ids.length);
    race(
        thread -> {
          SplittableRandom random = new SplittableRandom(thread * 31L);
          for (int i = 0; i < 3_000; i++) {
            if (thread == 0 && i % 10 == 0) {
              clock.advance(Duration.ofMillis(1)); // the clock crosses Long.MAX_VALUE on the way
            }
            int a = random.nextInt(ids.length);
            if (limiter.decide(AgentRequest.of(ids[a], perMilli)).isAllowed()) {
              granted.incrementAndGet(a);
            }
          }
        });
    int elapsedMillis = 300;
    for (int a = 0; a < ids.length; a++) {
      assertThat(granted.get(a)).as("agent %d", a).isLessThanOrEqualTo(50 + elapsedMillis);
    }
  }

  @Test
  void refundsAcrossPoliciesNeverMintTokens() throws Exception {
    Policy loose =
        Policy.named("loose").limit(Limit.capacity(200).refill(1).per(Duration.ofHours(1))).build();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(new FakeTimeSource()).build();
    AgentIdentity agent = AgentIdentity.of("fan-out", IdentitySource.API_KEY);
    AtomicLong both = new AtomicLong();
    AtomicLong looseOnly = new AtomicLong();
    race(
        thread -> {
          for (int i = 0; i < 20; i++) {
            if (limiter.decide(AgentRequest.of(agent, List.of(loose, FIVE))).isAllowed()) {
              both.incrementAndGet();
            }
            if (limiter.decide(AgentRequest.of(agent, loose)).isAllowed()) {
              looseOnly.incrementAndGet();
            }
          }
        });
    assertThat(both.get()).isEqualTo(5);
    // Every refused two-policy request gave its "loose" token back: loose granted exactly its capacity.
    assertThat(both.get() + looseOnly.get()).isEqualTo(200);
  }
}
