package dev.agentlimiter.core.example;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.core.AgentLimiters;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The engine-only example (the README mentions it beside the run command): a looping agent fires 12 requests at once, is refused with an exact
 * retry-after, honours it, and gets in; a second agent is never affected. Then a runaway agent retries one
 * request 50 times: loop detection stops it after 3 and puts it in the penalty box. Time is simulated, so the story
 * runs instantly and prints the same every time.
 *
 * <pre>mvn -B -q -pl limiter-core -am test-compile exec:java -Dcore.example.skip=false</pre>
 */
public final class BurstingAgentExample {

  private BurstingAgentExample() {}

  public static void main(String[] args) {
    run(System.out);
  }

  static void run(PrintStream out) {
    AtomicLong nanos = new AtomicLong();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(nanos::get).build();
    Policy search =
        Policy.named("search")
            .limit(Limit.capacity(5).refill(2).per(Duration.ofSeconds(1)).named("burst"))
            .limit(Limit.capacity(30).refill(30).per(Duration.ofMinutes(1)).named("per-minute"))
            .build();
    AgentIdentity looping = AgentIdentity.of("looping-agent", IdentitySource.API_KEY);
    AgentIdentity polite = AgentIdentity.of("polite-agent", IdentitySource.API_KEY);

    out.println("policy: " + search);
    out.println();
    out.println("looping-agent fires 12 identical requests at t=0:");
    long retryAfterNanos = 0;
    for (int i = 1; i <= 12; i++) {
      Decision d = limiter.decide(AgentRequest.of(looping, search));
      print(out, nanos.get(), looping, d);
      if (!d.isAllowed()) {
        retryAfterNanos = d.retryAfter().toNanos();
      }
    }
    out.println();
    out.println("polite-agent, same instant, own buckets:");
    print(out, nanos.get(), polite, limiter.decide(AgentRequest.of(polite, search)));
    out.println();
    out.println("looping-agent waits exactly its retry-after, then retries:");
    nanos.addAndGet(retryAfterNanos);
    print(out, nanos.get(), looping, limiter.decide(AgentRequest.of(looping, search)));
    print(out, nanos.get(), looping, limiter.decide(AgentRequest.of(looping, search)));
    out.println();
    out.println("after a quiet minute both buckets are full again:");
    nanos.addAndGet(Duration.ofMinutes(1).toNanos());
    print(out, nanos.get(), looping, limiter.decide(AgentRequest.of(looping, search)));

    runaway(out, limiter, polite);
  }

  /** Act two: the same request retried 50 times with no back-off meets loop detection and quarantine. */
  private static void runaway(PrintStream out, AgentLimiter limiter, AgentIdentity polite) {
    Policy orders =
        Policy.named("orders")
            .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)))
            .loopDetection(LoopDetection.after(3).within(Duration.ofSeconds(10)))
            .quarantine(Quarantine.after(10).within(Duration.ofMinutes(1)))
            .build();
    AgentIdentity runaway = AgentIdentity.of("runaway-agent", IdentitySource.API_KEY);
    RequestFingerprint same =
        RequestFingerprint.builder("POST", "/v1/orders").query("id=17").build();
    out.println();
    out.println("runaway-agent retries one POST /v1/orders 50 times, no back-off (policy " + orders.name()
        + ": loops after 3 repeats in 10 s, quarantine):");
    Map<Reason, Integer> counts = new EnumMap<>(Reason.class);
    for (int i = 1; i <= 50; i++) {
      Decision d = limiter.decide(AgentRequest.of(runaway, orders).withFingerprint(same));
      if (counts.merge(d.reason(), 1, Integer::sum) == 1) {
        out.printf(
            Locale.ROOT,
            "  retry %2d %-14s %s%n",
            i,
            d.reason(),
            d.isAllowed() ? "" : "Retry-After: " + d.retryAfterSeconds());
      }
    }
    out.println("  50 retries: " + counts);
    limiter
        .admin()
        .quarantine(runaway, Policy.DEFAULT_LANE)
        .ifPresent(
            q ->
                out.printf(
                    Locale.ROOT,
                    "  runaway-agent is quarantined for %d s (level %d, cause %s)%n",
                    q.remaining().toSeconds(),
                    q.level(),
                    q.cause()));
    Decision served =
        limiter.decide(
            AgentRequest.of(polite, orders)
                .withFingerprint(RequestFingerprint.builder("POST", "/v1/orders").query("id=18").build()));
    out.println("  polite-agent, same endpoint: " + served.reason());
  }

  private static void print(PrintStream out, long nanos, AgentIdentity agent, Decision d) {
    String limits =
        d.limits().stream()
            .map(RateLimitStatus::remaining)
            .map(String::valueOf)
            .collect(Collectors.joining("/"));
    String line =
        String.format(
            Locale.ROOT,
            "  t=%6.3fs %-13s %-12s remaining burst/per-minute=%s",
            nanos / 1e9,
            agent.id(),
            d.reason(),
            limits);
    if (!d.isAllowed()) {
      line +=
          String.format(
              Locale.ROOT,
              "  Retry-After: %d (exact %.3fs, %s)",
              d.retryAfterSeconds(),
              d.retryAfter().toNanos() / 1e9,
              d.bindingLimit().map(RateLimitStatus::limit).orElse("-"));
    }
    out.println(line);
  }
}
