package dev.agentlimiter.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.AppliedConfiguration;
import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import dev.agentlimiter.core.HttpRequestStub;
import dev.agentlimiter.core.identity.IdentityResolvers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The configuration snapshot: generations, atomic replacement, layers by name, refusals that change nothing. */
class Issue16SnapshotTest {

  private static final AgentIdentity ANN = AgentIdentity.of("ann", IdentitySource.API_KEY);

  private final FakeTimeSource time = new FakeTimeSource();
  private final List<ConfigurationEvent> events = new CopyOnWriteArrayList<>();
  private final LimiterListener listener =
      new LimiterListener() {
        @Override
        public void onConfiguration(ConfigurationEvent event) {
          events.add(event);
        }
      };

  private static Policy policy(String name, long capacity) {
    return Policy.named(name)
        .limit(Limit.capacity(capacity).refill(1).per(Duration.ofHours(1)).named("l"))
        .build();
  }

  private AgentLimiter limiter(PolicySet base) {
    return AgentLimiters.newBuilder().timeSource(time).listener(listener).policies(base).build();
  }

  private static long remaining(AgentLimiter limiter, Policy policy) {
    return limiter.admin().inspect(ANN, policy).get(0).remaining();
  }

  @Test
  void theBuilderRunsAsGenerationOneAndEachApplyGoesUpByOne() {
    AgentLimiter limiter = limiter(PolicySet.builder().policy(policy("a", 5)).build());
    AppliedConfiguration first = limiter.admin().configuration();
    assertThat(first.generation()).isEqualTo(1);
    assertThat(first.origin()).isEqualTo("builder");
    assertThat(first.effective().policies()).containsKey("a");

    AppliedConfiguration second =
        limiter.admin().apply(PolicySet.builder().policy(policy("a", 9)).build(), "test:1");
    assertThat(second.generation()).isEqualTo(2);
    assertThat(limiter.admin().configuration().origin()).isEqualTo("test:1");
    assertThat(limiter.admin().configuration().effective().policy("a")).contains(policy("a", 9));
    assertThat(events).hasSize(1);
    assertThat(events.get(0).applied()).isTrue();
    assertThat(events.get(0).generation()).isEqualTo(2);
    assertThat(events.get(0).origin()).isEqualTo("test:1");
  }

  @Test
  void aRefusedConfigurationChangesNothingAndSaysWhy() {
    AgentLimiter limiter = limiter(PolicySet.empty());
    Limiter ours = (Limiter) limiter;
    limiter.admin().apply(PolicySet.builder().policy(policy("orders", 4)).build(), "v1");
    ours.register(List.of(Route.builder().policy("orders").build()));
    limiter.decide(AgentRequest.of(ANN, policy("orders", 100)));

    assertThatThrownBy(() -> limiter.admin().apply(PolicySet.builder().policy(policy("x", 1)).build(), "v2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'orders'")
        .hasMessageContaining("not defined");

    assertThat(limiter.admin().configuration().generation()).isEqualTo(2);
    assertThat(limiter.admin().configuration().origin()).isEqualTo("v1");
    assertThat(remaining(limiter, policy("orders", 4))).isEqualTo(3); // still the v1 policy, its tokens kept
    ConfigurationEvent refused = events.get(events.size() - 1);
    assertThat(refused.applied()).isFalse();
    assertThat(refused.generation()).isEqualTo(2);
    assertThat(refused.origin()).isEqualTo("v2");
    assertThat(refused.error()).hasValueSatisfying(e -> assertThat(e).contains("orders"));
  }

  @Test
  void aListenerThatThrowsOnAConfigurationEventChangesNothing() {
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(time)
            .listener(
                new LimiterListener() {
                  @Override
                  public void onConfiguration(ConfigurationEvent event) {
                    throw new IllegalStateException("listener bug");
                  }
                })
            .build();
    assertThat(limiter.admin().apply(PolicySet.builder().policy(policy("a", 1)).build(), "v").generation())
        .isEqualTo(2);
    assertThatThrownBy(
            () -> limiter.admin().apply(
                PolicySet.builder().tierOverride("pro", "missing", "a").policy(policy("a", 1)).build(), "w"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'missing'");
    assertThat(limiter.admin().configuration().generation()).isEqualTo(2);
  }

  @Test
  void aRouteThatOnlyNamesAnUndefinedPolicyIsRefusedWhenRegistered() {
    Limiter limiter = (Limiter) limiter(PolicySet.empty());
    assertThatThrownBy(() -> limiter.register(List.of(Route.builder().policy("orders").build())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("policy 'orders' is not defined by the limiter's configuration");
  }

  @Test
  void aFilePolicyOverridesTheOneABuilderRouteDefinesOfTheSameName() {
    Route coded =
        Route.builder().policy(policy("orders", 5)).requireScope("orders:write").build();
    AgentLimiter limiter =
        limiter(PolicySet.builder().route("POST", "/orders", coded).build());
    AppliedConfiguration applied =
        limiter.admin().apply(PolicySet.builder().policy(policy("orders", 2)).build(), "file");
    PolicySet.RouteRule rule = applied.effective().routes().get(0);
    assertThat(rule.route().policyNames()).containsExactly("orders");
    assertThat(rule.route().policies()).isEmpty(); // only named now: the file's definition
    assertThat(rule.route().requiredScopes()).containsExactly("orders:write");
    assertThat(applied.effective().policy("orders")).contains(policy("orders", 2));
  }

  @Test
  void anUnchangedPolicyKeepsItsAgentsExactTokensAcrossApplies() {
    Policy a = policy("a", 10);
    AgentLimiter limiter = limiter(PolicySet.builder().policy(a).build());
    for (int i = 0; i < 4; i++) {
      assertThat(limiter.tryAcquire(ANN, a)).isTrue();
    }
    for (int g = 0; g < 5; g++) {
      limiter.admin().apply(PolicySet.builder().policy(a).policy(policy("other", g + 1)).build(), "g" + g);
      assertThat(remaining(limiter, a)).isEqualTo(6);
    }
  }

  @Test
  void aConfiguredPolicyOverridesTheCodesPolicyOfTheSameNameOnTheHttpPath() throws Exception {
    Policy code = policy("orders", 5);
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(time)
            .identity(IdentityResolvers.principal())
            .build();
    Route route = Route.of(code);
    ((Limiter) limiter).register(List.of(route));
    assertThat(limiter.admit(HttpRequestStub.get("/o").principal("ann").build(), route).decision().isAllowed())
        .isTrue();

    limiter.admin().apply(PolicySet.builder().policy(policy("orders", 2)).build(), "file");
    // one token of the code's five was spent; as-is capped at the new capacity: min(4, 2) = 2 left
    Decision second = limiter.admit(HttpRequestStub.get("/o").principal("ann").build(), route).decision();
    Decision third = limiter.admit(HttpRequestStub.get("/o").principal("ann").build(), route).decision();
    Decision fourth = limiter.admit(HttpRequestStub.get("/o").principal("ann").build(), route).decision();
    assertThat(second.isAllowed()).isTrue();
    assertThat(second.limits().get(0).quota()).isEqualTo(2);
    assertThat(third.isAllowed()).isTrue();
    assertThat(fourth.reason()).isEqualTo(Reason.RATE_LIMITED);

    // the file drops it: the code's definition takes its state back over, by name
    limiter.admin().apply(PolicySet.empty(), "file");
    Decision fifth = limiter.admit(HttpRequestStub.get("/o").principal("ann").build(), route).decision();
    assertThat(fifth.reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(fifth.limits().get(0).quota()).isEqualTo(5);
  }

  @Test
  void thePoliciesOfTheBuildersConfigurationStayUnderEveryApply() {
    Policy a = policy("a", 10);
    AgentLimiter limiter = limiter(PolicySet.builder().policy(a).build());
    limiter.tryAcquire(ANN, a);
    limiter.admin().apply(PolicySet.builder().policy(policy("b", 1)).build(), "file");
    assertThat(limiter.admin().configuration().effective().policies()).containsOnlyKeys("a", "b");
    assertThat(remaining(limiter, a)).isEqualTo(9);
  }

  @Test
  void aPolicyThatLeavesTheConfigurationTakesItsStateWithIt() {
    Policy a = policy("a", 10);
    AgentLimiter limiter = limiter(PolicySet.empty());
    limiter.admin().apply(PolicySet.builder().policy(a).build(), "with a");
    for (int i = 0; i < 100; i++) {
      limiter.tryAcquire(AgentIdentity.of("agent-" + i, IdentitySource.API_KEY), a);
    }
    long before = limiter.admin().trackedAgents();
    assertThat(before).isGreaterThanOrEqualTo(100);

    limiter.admin().apply(PolicySet.builder().policy(policy("b", 1)).build(), "without a");
    assertThat(limiter.admin().trackedAgents()).isLessThanOrEqualTo(before - 100);
    // back again: a new policy, every agent starts full
    limiter.admin().apply(PolicySet.builder().policy(a).build(), "with a again");
    assertThat(limiter.admin().inspect(AgentIdentity.of("agent-7", IdentitySource.API_KEY), a).get(0).remaining())
        .isEqualTo(10);
  }

  @Test
  void anOperatorsResetAfterAChangeIsNotUndoneByTheCarryOver() {
    Policy a = policy("a", 10);
    AgentLimiter limiter = limiter(PolicySet.empty());
    limiter.admin().apply(PolicySet.builder().policy(a).build(), "v1");
    for (int i = 0; i < 10; i++) {
      limiter.tryAcquire(ANN, a);
    }
    Policy bigger = policy("a", 20);
    limiter.admin().apply(PolicySet.builder().policy(bigger).build(), "v2");
    // the agent has not come back yet: its v1 bucket is what v2 would take over
    limiter.admin().reset(ANN, bigger);
    assertThat(remaining(limiter, bigger)).isEqualTo(20);
    assertThat(limiter.tryAcquire(ANN, bigger)).isTrue();
    assertThat(remaining(limiter, bigger)).isEqualTo(19);
  }

  @Test
  void droppingAPolicyForgetsTheBucketsOfEveryVersionOfIt() {
    AgentLimiter limiter = limiter(PolicySet.empty());
    limiter.admin().apply(PolicySet.builder().policy(policy("a", 10)).build(), "v1");
    for (int i = 0; i < 50; i++) {
      limiter.tryAcquire(AgentIdentity.of("agent-" + i, IdentitySource.API_KEY), policy("a", 10));
    }
    limiter.admin().apply(PolicySet.builder().policy(policy("a", 20)).build(), "v2");
    for (int i = 0; i < 50; i++) {
      limiter.tryAcquire(AgentIdentity.of("agent-" + i, IdentitySource.API_KEY), policy("a", 20));
    }
    assertThat(limiter.admin().trackedAgents()).isGreaterThanOrEqualTo(100); // both versions hold them
    limiter.admin().apply(PolicySet.builder().policy(policy("b", 1)).build(), "v3");
    assertThat(limiter.admin().trackedAgents()).isZero();
  }

  @Test
  void aPolicyAConfiguredRouteDefinesItselfOverridesTheCodesOfTheSameName() {
    AgentLimiter limiter =
        AgentLimiters.newBuilder().timeSource(time).identity(IdentityResolvers.principal()).build();
    Route code = Route.of(policy("orders", 5));
    ((Limiter) limiter).register(List.of(code));
    limiter.admin().apply(PolicySet.builder().route("/y", Route.of(policy("orders", 2))).build(), "file");
    List<Boolean> allowed = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      allowed.add(limiter.admit(HttpRequestStub.get("/o").principal("ann").build(), code).decision().isAllowed());
    }
    assertThat(allowed).containsExactly(true, true, false);
  }

  private static Policy refilling(long refillPerHour) {
    return Policy.named("a")
        .limit(Limit.capacity(10).refill(refillPerHour).per(Duration.ofHours(1)).named("l"))
        .build();
  }

  @Test
  void anAgentIdleAcrossAFewChangesKeepsItsTokensAndAcrossManyStartsOver() {
    AgentLimiter limiter = limiter(PolicySet.empty());
    limiter.admin().apply(PolicySet.builder().policy(refilling(1)).build(), "v");
    AgentIdentity bob = AgentIdentity.of("bob", IdentitySource.API_KEY);
    for (int i = 0; i < 10; i++) {
      limiter.tryAcquire(ANN, refilling(1));
      limiter.tryAcquire(bob, refilling(1));
    }
    for (int g = 2; g <= 5; g++) {
      limiter.admin().apply(PolicySet.builder().policy(refilling(g)).build(), "v" + g);
    }
    assertThat(limiter.admin().inspect(ANN, refilling(5)).get(0).remaining()).isZero(); // four changes
    for (int g = 6; g <= 20; g++) {
      limiter.admin().apply(PolicySet.builder().policy(refilling(g)).build(), "v" + g);
    }
    // bob was idle across 19 changes: more than the eight versions a policy keeps a line of
    assertThat(limiter.admin().inspect(bob, refilling(20)).get(0).remaining()).isEqualTo(10);
  }

  @Test
  void tierOverridesComeFromTheConfiguration() {
    Policy api = policy("api", 1);
    Policy pro = policy("api-pro", 3);
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(time)
            .identity(IdentityResolvers.principal(p -> AgentIdentity.of(p.getName(), IdentitySource.PRINCIPAL)
                .withTier("pro")))
            .policies(PolicySet.builder().policy(api).policy(pro).tierOverride("pro", "api", "api-pro").build())
            .build();
    Route route = Route.builder().policy("api").build();
    int allowed = 0;
    for (int i = 0; i < 5; i++) {
      if (limiter.admit(HttpRequestStub.get("/x").principal("p").build(), route).decision().isAllowed()) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(3);
  }

  @Test
  void aChangedDefenceKeepsTheBucketsButStartsTheDetectorsOver() {
    Policy plain = policy("a", 10);
    Policy capped =
        Policy.named("a")
            .limit(Limit.capacity(10).refill(1).per(Duration.ofHours(1)).named("l"))
            .concurrency(ConcurrencyLimit.of(1))
            .build();
    AgentLimiter limiter = limiter(PolicySet.builder().policy(plain).build());
    for (int i = 0; i < 3; i++) {
      limiter.tryAcquire(ANN, plain);
    }
    limiter.admin().apply(PolicySet.builder().policy(capped).build(), "capped");
    assertThat(remaining(limiter, capped)).isEqualTo(7); // the same limits: the very same buckets
    try (var first = limiter.enter(AgentRequest.of(ANN, capped))) {
      assertThat(first.decision().isAllowed()).isTrue();
      assertThat(limiter.enter(AgentRequest.of(ANN, capped)).decision().reason())
          .isEqualTo(Reason.CONCURRENCY_LIMITED);
    }
  }

  @Test
  void anInvalidBaseFailsTheBuild() {
    assertThatThrownBy(
            () ->
                AgentLimiters.newBuilder()
                    .policies(PolicySet.builder().route("/x", Route.builder().policy("nope").build()).build())
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope");
  }
}
