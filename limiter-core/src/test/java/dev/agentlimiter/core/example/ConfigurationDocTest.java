package dev.agentlimiter.core.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.AppliedConfiguration;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.api.StateInheritance;
import dev.agentlimiter.core.AgentLimiters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The examples of docs/configuration.md, compiled and run; the doc must contain the regions verbatim. */
class ConfigurationDocTest {

  @Test
  void theExamplesBehaveAsTheDocSays() {
    // tag::build[]
    Policy orders = Policy.named("orders")
        .limit(Limit.capacity(20).refill(20).per(Duration.ofHours(1)).named("hourly"))
        .concurrency(ConcurrencyLimit.of(8))                              // no annotation spells these
        .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
        .build();
    Policy ordersPro = Policy.named("orders-pro")
        .limit(Limit.capacity(100).refill(100).per(Duration.ofHours(1)).named("hourly"))
        .build();

    PolicySet config = PolicySet.builder()
        .policy(orders)
        .policy(ordersPro)
        .tierOverride("pro", "orders", "orders-pro")                      // pro agents get orders-pro
        .route("POST", "/v1/orders", Route.builder().policy("orders").requireScope("orders:write").build())
        .build();

    AgentLimiter limiter = AgentLimiters.newBuilder()
        .policies(config)                                                 // generation 1
        .build();
    // end::build[]

    AgentIdentity agent = AgentIdentity.of("agent-7", IdentitySource.API_KEY);
    for (int i = 0; i < 15; i++) {
      limiter.decide(AgentRequest.of(agent, orders));
    }
    assertThat(limiter.admin().inspect(agent, orders).get(0).remaining()).isEqualTo(5);

    // tag::apply[]
    Policy looser = Policy.named("orders")
        .limit(Limit.capacity(40).refill(40).per(Duration.ofHours(1)).named("hourly"))
        .concurrency(ConcurrencyLimit.of(8))
        .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
        .build();

    AppliedConfiguration now = limiter.admin().apply(
        PolicySet.builder()
            .policy(looser)                                               // replaces "orders" by name
            .inheritance("orders", StateInheritance.PROPORTIONAL)         // 5 of 20 become 10 of 40
            .build(),
        "ops: double the orders limit");
    // now.generation() == 2; agent-7 keeps its share of the bucket, its quarantine, its permits
    // end::apply[]

    assertThat(now.generation()).isEqualTo(2);
    assertThat(limiter.admin().inspect(agent, orders).get(0).remaining()).isEqualTo(10);
    assertThat(limiter.admin().inspect(agent, orders).get(0).quota()).isEqualTo(40);
    assertThat(limiter.decide(AgentRequest.of(agent, orders)).reason()).isEqualTo(Reason.ALLOWED);

    // tag::refused[]
    PolicySet typo = PolicySet.builder()
        .policy(ordersPro)
        .tierOverride("pro", "ordres", "orders-pro")                       // a typo
        .build();
    // limiter.admin().apply(typo, "ops") throws IllegalArgumentException("tierOverride 'pro': policy
    // 'ordres' is not a policy of the configuration, ..."); generation 2 keeps running
    // end::refused[]

    assertThatThrownBy(() -> limiter.admin().apply(typo, "ops"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tierOverride 'pro': policy 'ordres' is not a policy of the configuration");
    assertThatThrownBy(
            () -> PolicySet.builder().route("GET", "/v1/orders", Route.builder().policy("order").build()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route GET /v1/orders: policy 'order' is not defined; defined: []");
    assertThat(limiter.admin().configuration().generation()).isEqualTo(2);
  }

  @Test
  void theDocShowsTheCompiledExamples() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/dev/agentlimiter/core/example/ConfigurationDocTest.java"),
            StandardCharsets.UTF_8);
    String doc = Files.readString(Path.of("../docs/configuration.md"), StandardCharsets.UTF_8);
    for (String tag : new String[] {"build", "apply", "refused"}) {
      Matcher m =
          Pattern.compile("// tag::" + tag + "\\[]\\n(.*?)\\n\\s*// end::" + tag + "\\[]", Pattern.DOTALL)
              .matcher(source);
      assertThat(m.find()).isTrue();
      assertThat(doc).as("docs/configuration.md region %s", tag).contains(m.group(1).stripIndent());
    }
  }
}
