package dev.agentlimiter.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineTest {

  private final FakeTimeSource clock = new FakeTimeSource(123_456_789L);
  private final AgentIdentity alice = AgentIdentity.of("alice", IdentitySource.API_KEY);
  private final AgentIdentity bob = AgentIdentity.of("bob", IdentitySource.API_KEY);

  private final Policy search =
      Policy.named("search")
          .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"))
          .limit(Limit.capacity(600).refill(600).per(Duration.ofHours(1)).named("hourly"))
          .build();

  private AgentLimiter limiter() {
    return AgentLimiters.newBuilder().timeSource(clock).build();
  }

  @Test
  void burstIsAdmittedThenRefusedWithExactRetryAfter() {
    AgentLimiter limiter = limiter();
    for (int i = 0; i < 20; i++) {
      Decision d = limiter.decide(AgentRequest.of(alice, search));
      assertThat(d.reason()).isEqualTo(Reason.ALLOWED);
      assertThat(d.limits()).extracting(RateLimitStatus::remaining).containsExactly(19L - i, 599L - i);
    }
    Decision refused = limiter.decide(AgentRequest.of(alice, search));
    assertThat(refused.reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(refused.policy()).hasValue("search");
    assertThat(refused.bindingLimit()).map(RateLimitStatus::limit).hasValue("burst");
    // 10 per second: the next token is 100 ms away.
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(100));
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);
    assertThat(refused.remaining()).isZero();
    // Empty burst bucket: full again after 2 s.
    assertThat(refused.reset()).isEqualTo(Duration.ofSeconds(2));

    clock.advance(Duration.ofMillis(99));
    assertThat(limiter.decide(AgentRequest.of(alice, search)).isAllowed()).isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(limiter.decide(AgentRequest.of(alice, search)).isAllowed()).isTrue();
  }

  @Test
  void statusesCarryTheRateLimitFieldValues() {
    Decision d = limiter().decide(AgentRequest.of(alice, search));
    assertThat(d.limits())
        .containsExactly(
            new RateLimitStatus("search", "burst", 20, Duration.ofSeconds(1), 19, Duration.ofMillis(100)),
            new RateLimitStatus("search", "hourly", 600, Duration.ofHours(1), 599, Duration.ofSeconds(6)));
    assertThat(d.limits().get(1).windowSeconds()).isEqualTo(3600);
    assertThat(d.bindingLimit()).map(RateLimitStatus::limit).hasValue("burst");
  }

  @Test
  void agentsAreIsolated() {
    AgentLimiter limiter = limiter();
    for (int i = 0; i < 25; i++) {
      limiter.decide(AgentRequest.of(alice, search));
    }
    assertThat(limiter.decide(AgentRequest.of(bob, search)).remaining()).isEqualTo(19);
  }

  @Test
  void weightedRequestsTakeTheirCostAndARefusalTakesNothing() {
    AgentLimiter limiter = limiter();
    assertThat(limiter.decide(AgentRequest.of(alice, search).withCost(15)).remaining()).isEqualTo(5);
    Decision refused = limiter.decide(AgentRequest.of(alice, search).withCost(6));
    assertThat(refused.reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(100));
    assertThat(limiter.decide(AgentRequest.of(alice, search).withCost(5)).remaining()).isZero();
  }

  @Test
  void aCostAboveCapacityIsAnInvalidRequestThatTouchesNoState() {
    AgentLimiter limiter = limiter();
    Decision d = limiter.decide(AgentRequest.of(alice, search).withCost(21));
    assertThat(d.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(d.retryAfter()).isZero();
    assertThat(limiter.admin().trackedAgents()).isZero();
  }

  @Test
  void aCostBelowOneIsAClearError() {
    assertThatThrownBy(() -> AgentRequest.of(alice, search).withCost(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("request: cost must be > 0 but was 0");
  }

  @Test
  void aRefusalByALaterPolicyRefundsTheEarlierOnes() {
    Policy tight = Policy.named("tight").limit(Limit.capacity(1).refill(1).per(Duration.ofHours(1))).build();
    AgentLimiter limiter = limiter();
    assertThat(limiter.decide(AgentRequest.of(alice, List.of(search, tight))).isAllowed()).isTrue();
    Decision refused = limiter.decide(AgentRequest.of(alice, List.of(search, tight)));
    assertThat(refused.reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(refused.policy()).hasValue("tight");
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofHours(1));
    // search gave back the token the refused request took: 18 left after the next admission.
    assertThat(limiter.decide(AgentRequest.of(alice, search)).remaining()).isEqualTo(18);
  }

  @Test
  void tryAcquireIsTheSameBucket() {
    AgentLimiter limiter = limiter();
    int granted = 0;
    for (int i = 0; i < 30; i++) {
      granted += limiter.tryAcquire(alice, search) ? 1 : 0;
    }
    assertThat(granted).isEqualTo(20);
    assertThat(limiter.decide(AgentRequest.of(alice, search)).isAllowed()).isFalse();
  }

  @Test
  void initialTokensApplyToNewAgents() {
    Policy slowStart =
        Policy.named("slow-start")
            .limit(Limit.capacity(10).refill(1).per(Duration.ofSeconds(1)).withInitialTokens(2))
            .build();
    AgentLimiter limiter = limiter();
    assertThat(limiter.decide(AgentRequest.of(alice, slowStart)).remaining()).isEqualTo(1);
    assertThat(limiter.decide(AgentRequest.of(alice, slowStart)).remaining()).isZero();
    assertThat(limiter.decide(AgentRequest.of(alice, slowStart)).isAllowed()).isFalse();
  }

  @Test
  void inspectTakesNothingAndTracksNobody() {
    AgentLimiter limiter = limiter();
    List<RateLimitStatus> view = limiter.admin().inspect(alice, search);
    assertThat(view).extracting(RateLimitStatus::remaining).containsExactly(20L, 600L);
    assertThat(limiter.admin().trackedAgents()).isZero();
    limiter.decide(AgentRequest.of(alice, search));
    assertThat(limiter.admin().inspect(alice, search))
        .extracting(RateLimitStatus::remaining)
        .containsExactly(19L, 599L);
  }

  @Test
  void resetForgetsTheAgent() {
    AgentLimiter limiter = limiter();
    for (int i = 0; i < 20; i++) {
      limiter.decide(AgentRequest.of(alice, search));
    }
    limiter.admin().reset(alice, search);
    assertThat(limiter.decide(AgentRequest.of(alice, search)).remaining()).isEqualTo(19);
  }

  @Test
  void aFailingListenerNeverChangesADecision() {
    List<Decision> seen = new ArrayList<>();
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(clock)
            .listener(
                new LimiterListener() {
                  @Override
                  public void onDecision(DecisionEvent event) {
                    Decision decision = event.decision();
                    seen.add(decision);
                    throw new IllegalStateException("listener bug");
                  }
                })
            .build();
    Decision d = limiter.decide(AgentRequest.of(alice, search));
    assertThat(d.isAllowed()).isTrue();
    assertThat(seen).containsExactly(d);
  }

  @Test
  void twoDifferentPoliciesCannotShareAName() {
    AgentLimiter limiter = limiter();
    limiter.decide(AgentRequest.of(alice, search));
    Policy impostor = Policy.named("search").limit(Limit.capacity(1).refill(1).per(Duration.ofDays(1))).build();
    assertThatThrownBy(() -> limiter.decide(AgentRequest.of(alice, impostor)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("policy 'search' is already in use with another configuration");
    Policy sameLimitsWithACap =
        Policy.named("search")
            .limit(search.limits().get(0))
            .limit(search.limits().get(1))
            .concurrency(dev.agentlimiter.api.ConcurrencyLimit.of(2))
            .build();
    assertThatThrownBy(() -> limiter.decide(AgentRequest.of(alice, sameLimitsWithACap)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("policy 'search' is already in use with another configuration");
  }

  @Test
  void longAndNonAsciiIdsAreKeptApart() {
    AgentLimiter limiter = limiter();
    Policy one = Policy.named("one").limit(Limit.capacity(1).refill(1).per(Duration.ofDays(1))).build();
    List<String> ids =
        List.of(
            "a", "b", "0123456789abcdef", "0123456789abcdeg", "0123456789abcdef0",
            "0123456789abcdef1", "agént", "agent", "a\u0100", "a\u0000".replace('\u0000', 'z'));
    for (String id : ids) {
      AgentIdentity agent = AgentIdentity.of(id, IdentitySource.API_KEY);
      assertThat(limiter.decide(AgentRequest.of(agent, one)).isAllowed()).as(id).isTrue();
    }
    for (String id : ids) {
      AgentIdentity agent = AgentIdentity.of(id, IdentitySource.API_KEY);
      assertThat(limiter.decide(AgentRequest.of(agent, one)).isAllowed()).as(id).isFalse();
    }
  }

  @Test
  void aBucket4jTimeMeterIsATimeSource() {
    io.github.bucket4j.TimeMeter meter =
        new io.github.bucket4j.TimeMeter() {
          @Override
          public long currentTimeNanos() {
            return clock.read();
          }

          @Override
          public boolean isWallClockBased() {
            return false;
          }
        };
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(meter::currentTimeNanos).build();
    for (int i = 0; i < 20; i++) {
      limiter.decide(AgentRequest.of(alice, search));
    }
    assertThat(limiter.decide(AgentRequest.of(alice, search)).isAllowed()).isFalse();
    clock.advance(Duration.ofMillis(100));
    assertThat(limiter.decide(AgentRequest.of(alice, search)).isAllowed()).isTrue();
  }

  @Test
  void builderRefusesAnOptionSetTwiceAndBadValues() {
    assertThatThrownBy(() -> AgentLimiters.newBuilder().maximumTrackedAgents(10).maximumTrackedAgents(20))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maximumTrackedAgents was already set to 10");
    assertThatThrownBy(() -> AgentLimiters.newBuilder().maximumTrackedAgents(0))
        .hasMessage("maximumTrackedAgents must be > 0 but was 0");
    assertThatThrownBy(() -> AgentLimiters.newBuilder().idleExpiry(Duration.ZERO))
        .hasMessage("idleExpiry must be > 0 but was PT0S");
  }
}
