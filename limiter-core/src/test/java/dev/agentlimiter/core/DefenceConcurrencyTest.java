package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;

/** Many threads on the permit, penalty-box and budget structures at once. */
class DefenceConcurrencyTest {

  private static final int THREADS = 32;

  private static void runAll(Runnable body) throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                  body.run();
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      threads.add(thread);
      thread.start();
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
  }

  /**
   * 32 threads, one agent, a cap of 4: the number of admissions open at once never exceeds 4, however
   * they end (complete, close, both, twice, from another thread), and in-flight is zero at the end.
   */
  @RepeatedTest(5)
  void permitsNeverExceedTheCapAndReturnToZero() throws InterruptedException {
    AgentLimiter limiter = AgentLimiters.newBuilder().build();
    Policy policy =
        Policy.named("p")
            .limit(Limit.capacity(10_000_000).refill(10_000_000).per(Duration.ofSeconds(1)))
            .concurrency(ConcurrencyLimit.of(4))
            .build();
    AgentIdentity agent = AgentIdentity.of("agent", IdentitySource.API_KEY);
    AtomicInteger open = new AtomicInteger();
    AtomicInteger maxOpen = new AtomicInteger();
    AtomicLong admitted = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    runAll(
        () -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          for (int i = 0; i < 2_000; i++) {
            Admission a = limiter.enter(AgentRequest.of(agent, policy));
            if (!a.decision().isAllowed()) {
              assertThat(a.decision().reason()).isEqualTo(Reason.CONCURRENCY_LIMITED);
              refused.incrementAndGet();
              continue;
            }
            admitted.incrementAndGet();
            maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            open.decrementAndGet(); // before the release, so the count never lags the engine
            switch (random.nextInt(4)) {
              case 0 -> a.complete(Outcome.success());
              case 1 -> a.close();
              case 2 -> {
                a.complete(Outcome.failure());
                a.close();
              }
              default -> {
                try (a) {
                  throw new IllegalStateException("application failure");
                } catch (IllegalStateException expected) {
                  a.close();
                }
              }
            }
          }
        });
    assertThat(maxOpen.get()).isBetween(1, 4);
    assertThat(limiter.admin().inFlight(agent, policy)).isZero();
    assertThat(admitted.get() + refused.get()).isEqualTo(THREADS * 2_000L);
  }

  /** Racing ends of one admission release exactly one permit. */
  @RepeatedTest(5)
  void racingEndsReleaseOnce() throws InterruptedException {
    AgentLimiter limiter = AgentLimiters.newBuilder().build();
    Policy policy =
        Policy.named("p")
            .limit(Limit.capacity(1000).refill(1000).per(Duration.ofSeconds(1)))
            .concurrency(ConcurrencyLimit.of(2))
            .build();
    AgentIdentity agent = AgentIdentity.of("agent", IdentitySource.API_KEY);
    Admission first = limiter.enter(AgentRequest.of(agent, policy));
    Admission second = limiter.enter(AgentRequest.of(agent, policy));
    assertThat(second.decision().isAllowed()).isTrue();
    runAll(() -> first.complete(Outcome.success()));
    assertThat(limiter.admin().inFlight(agent, policy)).isEqualTo(1);
    second.close();
    assertThat(limiter.admin().inFlight(agent, policy)).isZero();
  }

  /**
   * 32 threads refused at once on a frozen clock push one agent into the box exactly once; refusals while
   * it is boxed never escalate it, and a release racing with them leaves a consistent state.
   */
  @RepeatedTest(5)
  void oneStormQuarantinesOnce() throws InterruptedException {
    FakeTimeSource clock = new FakeTimeSource();
    RecordingListener listener = new RecordingListener();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).listener(listener).build();
    Policy tiny =
        Policy.named("tiny")
            .limit(Limit.capacity(1).refill(1).per(Duration.ofHours(1)))
            .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
            .build();
    AgentIdentity agent = AgentIdentity.of("agent", IdentitySource.API_KEY);
    AtomicLong allowed = new AtomicLong();
    runAll(
        () -> {
          for (int i = 0; i < 200; i++) {
            if (limiter.decide(AgentRequest.of(agent, tiny)).isAllowed()) {
              allowed.incrementAndGet();
            }
          }
        });
    assertThat(allowed.get()).isEqualTo(1);
    List<LimiterEvent.Quarantined> boxed = listener.of(LimiterEvent.Quarantined.class);
    assertThat(boxed).hasSize(1);
    assertThat(boxed.get(0).level()).isEqualTo(1);
    // release while 32 threads keep hammering: each sees either the box or a refusal, never an admission
    AtomicInteger releases = new AtomicInteger();
    runAll(
        () -> {
          for (int i = 0; i < 100; i++) {
            if (limiter.admin().release(agent, Policy.DEFAULT_LANE)) {
              releases.incrementAndGet();
            }
            assertThat(limiter.decide(AgentRequest.of(agent, tiny)).isAllowed()).isFalse();
          }
        });
    assertThat(releases.get()).isEqualTo(listener.of(LimiterEvent.QuarantineReleased.class).size());
    // on a frozen clock nothing decays: the k-th quarantine has level k (capped at 62), none lost, none
    // doubled; events are delivered outside the entry's lock, so they may arrive out of order
    List<Integer> levels =
        listener.of(LimiterEvent.Quarantined.class).stream()
            .map(LimiterEvent.Quarantined::level)
            .sorted()
            .toList();
    assertThat(levels.size()).isBetween(1, 1 + releases.get());
    for (int k = 0; k < levels.size(); k++) {
      assertThat(levels.get(k)).isEqualTo(Math.min(k + 1, 62));
    }
  }

  /** Concurrent reservations and settlements in one period conserve the balance exactly. */
  @RepeatedTest(5)
  void budgetsConserveUnderContention() throws InterruptedException {
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(new FakeTimeSource()).build();
    Policy policy =
        Policy.named("llm")
            .limit(Limit.capacity(10_000_000).refill(10_000_000).per(Duration.ofSeconds(1)))
            .budget(Budget.named("tokens").amount(1_000_000_000L).perMonth())
            .build();
    AgentIdentity agent = AgentIdentity.of("agent", IdentitySource.API_KEY);
    AtomicLong charged = new AtomicLong();
    runAll(
        () -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          for (int i = 0; i < 1_000; i++) {
            long estimate = random.nextLong(0, 100);
            long actual = random.nextLong(0, 200);
            try (Admission a = limiter.enter(AgentRequest.of(agent, policy).withEstimate(estimate))) {
              assertThat(a.decision().isAllowed()).isTrue();
              a.complete(Outcome.success().withActualCost(actual));
              a.complete(Outcome.success().withActualCost(actual * 2)); // ignored
            }
            charged.addAndGet(actual);
          }
        });
    assertThat(limiter.admin().budgetBalance(agent, "tokens"))
        .hasValue(1_000_000_000L - charged.get());
  }
}
