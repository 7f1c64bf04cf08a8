package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.core.internal.state.StateKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 7: identities of different sources never share state. Before the fix an API-key agent or
 * a JWT subject whose id was {@code ip:127.0.0.1} shared buckets (and, in the lane, the penalty box) with
 * anonymous callers from 127.0.0.1.
 */
class Issue14IdentityNamespaceTest {

  private static final Policy ONE =
      Policy.named("one").limit(Limit.capacity(1).refill(1).per(Duration.ofHours(1))).build();

  private static List<AgentIdentity> sameIdEverySource(String id) {
    List<AgentIdentity> out = new ArrayList<>();
    for (IdentitySource source : EnumSet.allOf(IdentitySource.class)) {
      out.add(AgentIdentity.of(id, source));
    }
    return out;
  }

  /** For any id, the five identities of the five sources each get their own bucket. */
  @Property(tries = 200)
  void theSameIdOfEverySourceHasItsOwnBucket(
      @ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 40) String suffix) {
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(new FakeTimeSource(3)).build();
    for (String id : List.of("ip:" + suffix, suffix)) {
      for (AgentIdentity agent : sameIdEverySource(id)) {
        assertThat(limiter.tryAcquire(agent, ONE)).as("%s first", agent).isTrue();
      }
      for (AgentIdentity agent : sameIdEverySource(id)) {
        assertThat(limiter.tryAcquire(agent, ONE)).as("%s second", agent).isFalse();
      }
    }
  }

  /** Keys are equal exactly when source and id are, whatever the tier and scopes. */
  @Property(tries = 500)
  void keysAreEqualExactlyWhenSourceAndIdAre(
      @ForAll @StringLength(min = 1, max = 20) String a,
      @ForAll @StringLength(min = 1, max = 20) String b,
      @ForAll IdentitySource sa,
      @ForAll IdentitySource sb) {
    net.jqwik.api.Assume.that(a.chars().noneMatch(Character::isISOControl));
    net.jqwik.api.Assume.that(b.chars().noneMatch(Character::isISOControl));
    AgentIdentity x = AgentIdentity.of(a, sa);
    AgentIdentity y = new AgentIdentity(b, "pro", java.util.Set.of("s"), sb);
    assertThat(x.key().equals(y.key())).isEqualTo(a.equals(b) && sa == sb);
    assertThat(StateKeys.display(x.key())).isEqualTo(a);
  }

  @Test
  void anApiKeyNamedAfterAnAddressSharesNothingWithThatAddress() {
    FakeTimeSource time = new FakeTimeSource(3);
    InMemoryApiKeyStore keys =
        InMemoryApiKeyStore.create()
            .add("ak_impostor_4f1b2c3d4e5f6a7b8c9d", AgentIdentity.of("ip:127.0.0.1", IdentitySource.API_KEY));
    AgentLimiter limiter =
        AgentLimiters.newBuilder().timeSource(time).identity(IdentityResolvers.apiKeys(keys)).build();
    Policy lane =
        Policy.named("lane-policy")
            .limit(Limit.capacity(2).refill(2).per(Duration.ofHours(1)))
            .loopDetection(LoopDetection.after(1).within(Duration.ofMinutes(1)))
            .quarantine(Quarantine.after(1).within(Duration.ofMinutes(1)))
            .build();
    Route open = Route.builder().policy(lane).allowAnonymous().build();
    // the impostor takes a token, then loops until it is quarantined
    for (int i = 0; i < 4; i++) {
      decide(
          limiter,
          HttpRequestStub.post("/v1/x").peer("10.9.9.9").header("Authorization", "Bearer ak_impostor_4f1b2c3d4e5f6a7b8c9d").body("{}").build(),
          open);
    }
    assertThat(limiter.admin().quarantined()).singleElement().satisfies(q -> assertThat(q.agentId()).isEqualTo("ip:127.0.0.1"));
    // the real anonymous caller from 127.0.0.1 is neither quarantined nor drained
    for (int i = 0; i < 2; i++) {
      Decision anonymous =
          decide(limiter, HttpRequestStub.get("/v1/x").peer("127.0.0.1").query("n=" + i).build(), open);
      assertThat(anonymous.reason()).as("anonymous request %s", i).isEqualTo(Reason.ALLOWED);
    }
    assertThat(limiter.admin().quarantine(AgentIdentity.of("ip:127.0.0.1", IdentitySource.IP), "default"))
        .isEmpty();
    assertThat(limiter.admin().quarantine(AgentIdentity.of("ip:127.0.0.1", IdentitySource.API_KEY), "default"))
        .isPresent();
  }

  @Test
  void permitsAndBudgetsAreKeptPerSource() {
    FakeTimeSource time = new FakeTimeSource(3);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).build();
    Policy capped =
        Policy.named("capped")
            .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
            .concurrency(ConcurrencyLimit.of(1))
            .budget(Budget.named("spend").amount(10).perDay())
            .build();
    List<Admission> held = new ArrayList<>();
    try {
      for (AgentIdentity agent : sameIdEverySource("shared")) {
        Admission a = limiter.enter(AgentRequest.of(agent, capped).withEstimate(10));
        assertThat(a.decision().isAllowed()).as("%s", agent.source()).isTrue();
        held.add(a);
      }
      for (AgentIdentity agent : sameIdEverySource("shared")) {
        assertThat(limiter.admin().inFlight(agent, capped)).isEqualTo(1);
        assertThat(limiter.admin().budgetBalance(agent, "spend")).hasValue(0);
      }
    } finally {
      held.forEach(Admission::close);
    }
    assertThat(limiter.admin().inFlight(AgentIdentity.of("shared", IdentitySource.JWT), capped)).isZero();
  }

  @Test
  void loopsOfOneSourceAreNotLoopsOfAnother() {
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(new FakeTimeSource(3)).build();
    Policy loops =
        Policy.named("loops")
            .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
            .loopDetection(LoopDetection.after(1).within(Duration.ofMinutes(1)))
            .build();
    RequestFingerprint fp = RequestFingerprint.of(1, 2);
    for (AgentIdentity agent : sameIdEverySource("same")) {
      assertThat(limiter.decide(AgentRequest.of(agent, loops).withFingerprint(fp)).isAllowed()).isTrue();
    }
  }

  private static Decision decide(AgentLimiter limiter, dev.agentlimiter.api.RequestView request, Route route) {
    try (Admission admission = limiter.admit(request, route)) {
      return admission.decision();
    }
  }
}
