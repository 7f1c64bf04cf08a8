package dev.agentlimiter.core;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Threads that admit HTTP requests of {@code agents} principals ({@code agent-0}, …) on one route until
 * closed, for the reload-under-load tests: they count each agent's admitted requests, keep every throwable,
 * and flag each decision whose policy {@code changing} has limits {@code a} and {@code b} whose quotas do
 * not differ by exactly 1,000 (a configuration whose versions keep that difference shows a request that
 * mixed two generations).
 */
public final class GenerationLoad implements AutoCloseable {

  /** Admitted requests per agent. */
  public final AtomicLongArray admitted;
  /** What a request threw. */
  public final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
  /** Decisions that mixed generations, as {@code a=.. b=..}. */
  public final Queue<String> mixed = new ConcurrentLinkedQueue<>();

  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();

  private GenerationLoad(int agents) {
    this.admitted = new AtomicLongArray(agents);
  }

  /** Starts {@code threads} threads and returns once each is running. */
  public static GenerationLoad start(AgentLimiter limiter, Route route, int threads, int agents)
      throws InterruptedException {
    GenerationLoad load = new GenerationLoad(agents);
    CountDownLatch started = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      int seed = t * (agents / threads);
      Thread thread =
          new Thread(
              () -> {
                started.countDown();
                int i = seed;
                while (!load.stop.get()) {
                  load.admit(limiter, route, i++ % agents);
                }
              });
      load.threads.add(thread);
      thread.start();
    }
    started.await();
    return load;
  }

  private void admit(AgentLimiter limiter, Route route, int agent) {
    try (Admission x = limiter.admit(HttpRequestStub.get("/x").principal("agent-" + agent).build(), route)) {
      Decision d = x.decision();
      if (d.isAllowed()) {
        admitted.incrementAndGet(agent);
      }
      long a = -1;
      long b = -1;
      for (RateLimitStatus s : d.limits()) {
        if (s.policy().equals("changing")) {
          if (s.limit().equals("a")) {
            a = s.quota();
          } else {
            b = s.quota();
          }
        }
      }
      if (a >= 0 && b >= 0 && b - a != 1_000) {
        mixed.add("a=" + a + " b=" + b);
      }
    } catch (Throwable e) {
      failures.add(e);
    }
  }

  /** Stops the threads and waits for them. */
  @Override
  public void close() {
    stop.set(true);
    try {
      for (Thread thread : threads) {
        thread.join(10_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
