package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Concurrency permits against an exact model, under any interleaving of acquire, complete, close (the
 * exception path), double release, time passing and permits that are never closed (the leak guard).
 *
 * <p>Invariants: the engine's in-flight count always equals the model's and never exceeds the cap; a
 * request is admitted exactly when the model has room; a permit is released once however many times it is
 * ended; a leaked permit is reclaimed once it has been held for the maximum hold time, with one event; and
 * when every admission has ended, in-flight is zero.
 */
class PermitProperties {

  private static final Duration MAX_HOLD = Duration.ofSeconds(10);

  /** One step: kind 0 acquire, 1 complete, 2 close, 3 complete and close again, 4 advance. */
  record Step(int kind, int agent, int pick, int millis) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, 6000))
            .as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(80);
  }

  @Property(tries = 1000)
  void inFlightMatchesTheModelAndReturnsToZero(
      @ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 1, max = 4) int cap) {
    FakeTimeSource clock = new FakeTimeSource(-5_000_000_000L);
    RecordingListener listener = new RecordingListener();
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).listener(listener).build();
    Policy policy =
        Policy.named("p")
            .limit(Limit.capacity(1_000_000).refill(1_000_000).per(Duration.ofSeconds(1)))
            .concurrency(ConcurrencyLimit.of(cap).withMaxHold(MAX_HOLD))
            .build();
    AgentIdentity[] agents = {agent("a"), agent("b"), agent("c")};
    long now = 0;
    // the model: per agent, the open admissions and when each was admitted
    List<List<Open>> open = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<Open> all = new ArrayList<>();
    int reclaimed = 0;
    for (Step s : steps) {
      switch (s.kind()) {
        case 0 -> {
          List<Open> mine = open.get(s.agent());
          for (int i = mine.size() - 1; i >= 0; i--) {
            if (now - mine.get(i).at >= MAX_HOLD.toNanos()) {
              mine.remove(i);
              reclaimed++;
            }
          }
          Admission a = limiter.enter(AgentRequest.of(agents[s.agent()], policy));
          boolean room = mine.size() < cap;
          assertThat(a.decision().isAllowed()).as("admitted exactly when the model has room").isEqualTo(room);
          if (room) {
            Open o = new Open(a, s.agent(), now);
            mine.add(o);
            all.add(o);
          } else {
            assertThat(a.decision().reason()).isEqualTo(Reason.CONCURRENCY_LIMITED);
            assertThat(a.decision().retryAfter()).isEqualTo(ConcurrencyLimit.DEFAULT_RETRY_AFTER);
          }
        }
        case 1, 2, 3 -> {
          if (all.isEmpty()) {
            continue;
          }
          Open o = all.get(s.pick() % all.size());
          if (s.kind() == 1) {
            o.admission.complete(Outcome.success());
          } else if (s.kind() == 2) {
            o.admission.close();
          } else {
            o.admission.complete(Outcome.failure());
            o.admission.close();
            o.admission.complete(Outcome.success());
          }
          open.get(o.agent).remove(o); // no-op if already released or reclaimed
        }
        default -> {
          clock.advanceNanos(s.millis() * 1_000_000L);
          now += s.millis() * 1_000_000L;
        }
      }
      for (int i = 0; i < agents.length; i++) {
        int inFlight = limiter.admin().inFlight(agents[i], policy);
        assertThat(inFlight).isLessThanOrEqualTo(cap).isEqualTo(open.get(i).size());
      }
    }
    assertThat(listener.of(LimiterEvent.PermitReclaimed.class)).hasSize(reclaimed);
    for (Open o : all) {
      o.admission.close();
    }
    for (AgentIdentity a : agents) {
      assertThat(limiter.admin().inFlight(a, policy)).isZero();
    }
  }

  private static final class Open {
    final Admission admission;
    final int agent;
    final long at;

    Open(Admission admission, int agent, long at) {
      this.admission = admission;
      this.agent = agent;
      this.at = at;
    }
  }

  private static AgentIdentity agent(String id) {
    return AgentIdentity.of(id, IdentitySource.API_KEY);
  }
}
