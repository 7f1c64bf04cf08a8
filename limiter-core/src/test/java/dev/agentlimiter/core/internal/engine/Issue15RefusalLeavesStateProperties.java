package dev.agentlimiter.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.AgentState;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import dev.agentlimiter.core.HttpRequestStub;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Issue 15, the steps' contract: whatever the agent did before, a refused request leaves its state as it
 * was (every bucket of both policies, its permits in flight, its budget balance), and a refusal by an HTTP
 * step (before the policies) leaves every table untouched, the tracked agents included. Checked at one
 * clock reading, so nothing refills in between.
 */
class Issue15RefusalLeavesStateProperties {

  private static final String KEY = "ak_steps_1f3e5d7c9b2a4680";
  private static final AgentIdentity AGENT = AgentIdentity.of("stepper", IdentitySource.API_KEY);

  private static final Policy CAPPED =
      Policy.named("capped")
          .limit(Limit.capacity(6).refill(1).per(Duration.ofMinutes(1)).named("burst"))
          .concurrency(ConcurrencyLimit.of(2))
          .budget(Budget.named("spend").amount(20).perDay())
          .build();
  private static final Policy SECOND =
      Policy.named("second").limit(Limit.capacity(4).refill(1).per(Duration.ofMinutes(1))).build();

  /** What the agent does next. */
  enum Action { HOLD, CALL, RELEASE, EXPENSIVE, HTTP_BAD_HEADER, HTTP_NO_KEY, HTTP_CALL }

  @Provide
  Arbitrary<List<Action>> actions() {
    return Arbitraries.of(Action.class).list().ofMinSize(1).ofMaxSize(40);
  }

  @Property(tries = 300)
  void aRefusedRequestLeavesTheAgentsStateAsItWas(@ForAll("actions") List<Action> actions) {
    FakeTimeSource time = new FakeTimeSource(7);
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(time)
            .identity(IdentityResolvers.apiKeys(InMemoryApiKeyStore.create().add(KEY, AGENT)))
            .build();
    Route route =
        Route.builder().policy(CAPPED).policy(SECOND).rules(RequestRules.builder().requireHeader("X-Task").build()).build();
    limiter.decide(AgentRequest.of(AGENT, List.of(CAPPED, SECOND))); // both policies bound, the agent tracked
    Deque<Admission> held = new ArrayDeque<>();
    for (Action action : actions) {
      AgentState before = limiter.admin().state(AGENT);
      long tracked = limiter.admin().trackedAgents();
      Admission a =
          switch (action) {
            case HOLD, CALL -> limiter.enter(AgentRequest.of(AGENT, List.of(CAPPED, SECOND)));
            case EXPENSIVE -> limiter.enter(AgentRequest.of(AGENT, List.of(CAPPED, SECOND)).withEstimate(15));
            case RELEASE -> {
              Admission h = held.pollFirst();
              if (h != null) {
                h.close();
              }
              yield null;
            }
            case HTTP_BAD_HEADER -> limiter.admit(http(true).build(), route);
            case HTTP_NO_KEY -> limiter.admit(HttpRequestStub.get("/x").peer("192.0.2.1").header("X-Task", "t").build(), route);
            case HTTP_CALL -> limiter.admit(http(false).build(), route);
          };
      if (a == null) {
        continue;
      }
      if (a.decision().isAllowed()) {
        if (action == Action.HOLD || action == Action.EXPENSIVE) {
          held.addLast(a);
        } else {
          a.close();
        }
        continue;
      }
      Reason reason = a.decision().reason();
      a.close();
      AgentState after = limiter.admin().state(AGENT);
      assertThat(after.limits()).as("%s refused %s: buckets and budget", action, reason).isEqualTo(before.limits());
      assertThat(after.inFlight()).as("%s refused %s: permits", action, reason).isEqualTo(before.inFlight());
      assertThat(after.budgetBalances()).as("%s refused %s: budget", action, reason).isEqualTo(before.budgetBalances());
      if (action == Action.HTTP_BAD_HEADER || action == Action.HTTP_NO_KEY) {
        assertThat(limiter.admin().trackedAgents()).as("an HTTP step's refusal tracks nobody").isEqualTo(tracked);
      }
    }
    held.forEach(Admission::close);
    assertThat(limiter.admin().inFlight(AGENT, CAPPED)).isZero();
  }

  private static HttpRequestStub.Builder http(boolean missingHeader) {
    HttpRequestStub.Builder b = HttpRequestStub.get("/x").peer("192.0.2.1").header("Authorization", "Bearer " + KEY);
    return missingHeader ? b : b.header("X-Task", "t");
  }
}
