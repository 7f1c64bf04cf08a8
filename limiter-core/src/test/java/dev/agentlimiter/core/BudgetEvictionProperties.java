package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.internal.engine.Limiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Eviction never refills a budget: an agent squeezed out of a full cache comes back no richer. */
class BudgetEvictionProperties {

  private static final long AMOUNT = 100;
  private static final Duration PERIOD = Duration.ofSeconds(10);
  private static final Clock WALL = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

  private static Policy policy() {
    return Policy.named("p")
        .limit(Limit.capacity(1_000_000).refill(1_000_000).per(Duration.ofSeconds(1)))
        .budget(Budget.named("b").amount(AMOUNT).every(PERIOD))
        .build();
  }

  /** kind 0: agent reserves {@code amount} and settles {@code actual}; 1: advance. */
  record Step(int kind, int agent, long estimate, long actual, long millis) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 1),
            Arbitraries.integers().between(0, 5),
            Arbitraries.longs().between(0, 60),
            Arbitraries.longs().between(0, 150),
            Arbitraries.longs().between(0, 12_000))
        .as(Step::new)
        .list()
        .ofMaxSize(80);
  }

  /**
   * Six agents through a cache of one to three balances: every agent's balance is at most what an
   * engine that never evicts holds after the same admitted requests, so an evicted agent never gains.
   */
  @Property(tries = 1000)
  void evictionNeverRefills(
      @ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 1, max = 3) int cacheSize) {
    FakeTimeSource clock = new FakeTimeSource(3);
    Policy policy = policy();
    Limiter small =
        (Limiter)
            AgentLimiters.newBuilder()
                .timeSource(clock)
                .wallClock(WALL)
                .maximumTrackedAgents(cacheSize)
                .policy(policy)
                .build();
    Limiter model =
        (Limiter) AgentLimiters.newBuilder().timeSource(clock).wallClock(WALL).policy(policy).build();
    AgentIdentity[] agents = new AgentIdentity[6];
    for (int i = 0; i < agents.length; i++) {
      agents[i] = AgentIdentity.of("agent-" + i, IdentitySource.API_KEY);
    }
    for (Step s : steps) {
      if (s.kind() == 1) {
        clock.advanceNanos(s.millis() * 1_000_000);
        continue;
      }
      AgentRequest request = AgentRequest.of(agents[s.agent()], policy).withEstimate(s.estimate());
      Admission a = small.enter(request);
      if (a.decision().isAllowed()) {
        Admission m = model.enter(request);
        assertThat(m.decision().isAllowed()).as("the model admits whatever the small cache admits").isTrue();
        a.complete(Outcome.success().withActualCost(s.actual()));
        m.complete(Outcome.success().withActualCost(s.actual()));
      }
      for (AgentIdentity agent : agents) {
        assertThat(small.admin().budgetBalance(agent, "b").orElseThrow())
            .as("%s", agent.id())
            .isLessThanOrEqualTo(model.admin().budgetBalance(agent, "b").orElseThrow());
      }
    }
    assertThat(small.engine.budgets.size()).isLessThanOrEqualTo(cacheSize);
  }

  /** A drained agent flooded out of the cache is still drained when it returns. */
  @Test
  void aFloodDoesNotRefillAVictim() {
    FakeTimeSource clock = new FakeTimeSource();
    Policy policy = policy();
    Limiter engine =
        (Limiter)
            AgentLimiters.newBuilder()
                .timeSource(clock)
                .wallClock(WALL)
                .maximumTrackedAgents(64)
                .policy(policy)
                .build();
    AgentIdentity victim = AgentIdentity.of("victim", IdentitySource.API_KEY);
    try (Admission a = engine.enter(AgentRequest.of(victim, policy).withEstimate(1))) {
      a.complete(Outcome.success().withActualCost(150));
    }
    for (int i = 0; i < 5_000; i++) {
      AgentIdentity other = AgentIdentity.of("flood-" + i, IdentitySource.API_KEY);
      engine.decide(AgentRequest.of(other, policy).withEstimate(1));
    }
    assertThat(engine.engine.budgets.size()).isLessThanOrEqualTo(64);
    assertThat(engine.admin().budgetBalance(victim, "b")).hasValue(-50);
    Decision d = engine.decide(AgentRequest.of(victim, policy));
    assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
  }
}
