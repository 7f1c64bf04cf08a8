package dev.agentlimiter.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import dev.agentlimiter.core.GenerationLoad;
import dev.agentlimiter.core.identity.IdentityResolvers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 8 threads decide for 1,000 agents over the HTTP path while another applies 100 configurations, valid and
 * invalid alternately. No decision fails or throws; every request is decided under one generation (the
 * changing policy's two limits always come from the same generation); and the agents of the policy that
 * never changes keep their exact tokens (the clock stands still, so tokens left = capacity - requests
 * admitted, counted per agent).
 */
class Issue16ReloadUnderLoadTest {

  private static final int THREADS = 8;
  private static final int AGENTS = 1_000;
  private static final long STEADY_CAPACITY = 1_000_000;

  private static Policy changing(int generation) {
    return Policy.named("changing")
        .limit(Limit.capacity(1_000 + generation).refill(1).per(Duration.ofHours(1)).named("a"))
        .limit(Limit.capacity(2_000 + generation).refill(1).per(Duration.ofHours(1)).named("b"))
        .build();
  }

  private static final Policy STEADY =
      Policy.named("steady")
          .limit(Limit.capacity(STEADY_CAPACITY).refill(1).per(Duration.ofSeconds(1)).named("s"))
          .build();

  @Test
  @Timeout(60)
  void decisionsNeverMixGenerationsAndUnchangedAgentsKeepTheirTokens() throws Exception {
    FakeTimeSource time = new FakeTimeSource();
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(time)
            .identity(IdentityResolvers.principal())
            .policies(PolicySet.builder().policy(changing(0)).policy(STEADY).build())
            .build();
    Route route = Route.builder().policy("changing").policy("steady").build();
    ((Limiter) limiter).register(List.of(route));

    GenerationLoad load = GenerationLoad.start(limiter, route, THREADS, AGENTS);
    int refused = 0;
    for (int g = 1; g <= 100; g++) {
      if (g % 2 == 0) {
        try {
          // a route names a policy nobody defines: refused, nothing changes
          limiter.admin().apply(
              PolicySet.builder()
                  .policy(STEADY)
                  .policy(changing(g))
                  .route("/y", Route.builder().policy("missing").build())
                  .build(),
              "invalid " + g);
        } catch (IllegalArgumentException expected) {
          refused++;
        }
      } else {
        limiter.admin().apply(PolicySet.builder().policy(STEADY).policy(changing(g)).build(), "valid " + g);
      }
      Thread.sleep(2);
    }
    load.close();

    assertThat(load.failures).isEmpty();
    assertThat(load.mixed).isEmpty();
    assertThat(refused).isEqualTo(50);
    assertThat(limiter.admin().configuration().generation()).isEqualTo(51);
    long total = 0;
    for (int agent = 0; agent < AGENTS; agent++) {
      long left =
          limiter.admin().inspect(AgentIdentity.of("agent-" + agent, IdentitySource.PRINCIPAL), STEADY)
              .get(0).remaining();
      assertThat(left).as("agent-%d", agent).isEqualTo(STEADY_CAPACITY - load.admitted.get(agent));
      total += load.admitted.get(agent);
    }
    assertThat(total).isGreaterThan(AGENTS);
  }
}
