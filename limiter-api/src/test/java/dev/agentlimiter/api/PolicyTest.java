package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyTest {

  @Test
  void limitsAreBuiltInStagesAndNamedByThePolicy() {
    Policy p =
        Policy.named("search")
            .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)))
            .limit(Limit.capacity(600).refill(600).per(Duration.ofHours(1)).named("hourly"))
            .build();
    assertThat(p.limits()).extracting(Limit::name).containsExactly("search", "hourly");
    assertThat(p.cost()).isEqualTo(1);
    assertThat(p.lane()).isEqualTo("default");
    assertThat(p.minCapacity()).isEqualTo(20);
  }

  @Test
  void badLimitsNameTheFieldAndTheValue() {
    assertThatThrownBy(() -> Limit.capacity(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit: capacity must be > 0 but was 0");
    assertThatThrownBy(() -> Limit.capacity(1).refill(-3))
        .hasMessage("limit: refill must be > 0 but was -3");
    assertThatThrownBy(() -> Limit.capacity(1).refill(1).per(Duration.ZERO))
        .hasMessage("limit: period must be > 0 but was PT0S");
    assertThatThrownBy(() -> Limit.capacity(1).refill(1).per(Duration.ofDays(36_501)))
        .hasMessageStartingWith("limit: period must be <= PT876000H");
    assertThatThrownBy(() -> Limit.capacity(1).refill(2).per(Duration.ofNanos(1)))
        .hasMessage("limit: refill must be at most one token per nanosecond but was 2 per PT0.000000001S");
    assertThatThrownBy(() -> Limit.capacity(Long.MAX_VALUE).refill(1).per(Duration.ofSeconds(1)))
        .hasMessage(
            "limit: capacity must be <= 9223372035 for a period of PT1S but was 9223372036854775807");
    assertThatThrownBy(() -> Limit.capacity(4_000_000_000L).refill(1).per(Duration.ofSeconds(2)))
        .hasMessage("limit: refilling 4000000000 tokens at 1 per PT2S takes longer than PT876000H");
    assertThatThrownBy(() -> Limit.capacity(5).refill(1).per(Duration.ofSeconds(1)).named("burst").withInitialTokens(6))
        .hasMessage("limit 'burst': initial tokens must be in [0, 5] but was 6");
    assertThatThrownBy(() -> Limit.capacity(5).refill(1).per(Duration.ofSeconds(1)).named("a b"))
        .hasMessage("limit: name may contain only letters, digits, '.', '_' and '-' but was 'a b'");
  }

  @Test
  void badPoliciesNameThePolicy() {
    Limit one = Limit.capacity(1).refill(1).per(Duration.ofSeconds(1));
    assertThatThrownBy(() -> Policy.named("empty").build())
        .hasMessage("policy 'empty': needs at least one limit");
    assertThatThrownBy(() -> Policy.named("twice").limit(one.named("x")).limit(one.named("x")).build())
        .hasMessage("policy 'twice': limit name 'x' is used twice");
    assertThatThrownBy(() -> Policy.named("dear").limit(one).cost(2).build())
        .hasMessage("policy 'dear': limit 'dear': capacity 1 is below the cost 2, so no request could ever pass");
    assertThatThrownBy(() -> Policy.named("c").cost(0)).hasMessage("policy 'c': cost must be > 0 but was 0");
    assertThatThrownBy(() -> Policy.named("c").cost(1).cost(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("policy 'c': cost was already set to 1");
    assertThatThrownBy(() -> Policy.named("l").lane("a").lane("b"))
        .hasMessage("policy 'l': lane was already set to 'a'");
    assertThatThrownBy(() -> Policy.named("\"quoted\""))
        .hasMessage("policy: name may contain only letters, digits, '.', '_' and '-' but was '\"quoted\"'");
  }

  @Test
  void equalPoliciesAreEqual() {
    Limit l = Limit.capacity(3).refill(1).per(Duration.ofSeconds(1));
    assertThat(Policy.named("p").limit(l).build()).isEqualTo(Policy.named("p").limit(l).build());
    assertThat(Policy.named("p").limit(l).build()).isNotEqualTo(Policy.named("p").limit(l).cost(2).build());
  }

  static final class Endpoints {
    @AgentRateLimit(name = "burst", capacity = 20, refill = 10, period = "PT1S")
    @AgentRateLimit(name = "hourly", capacity = 600, refill = 600, period = "PT1H")
    void search() {}

    @AgentRateLimit(name = "send", capacity = 5, refill = 1, period = "PT1M", cost = 2, lane = "egress")
    void send() {}

    @AgentRateLimit(name = "typo", capacity = 5, refill = 1, period = "1 minute")
    void typo() {}

    @AgentRateLimit(name = "zero", capacity = 0, refill = 1, period = "PT1S")
    void zero() {}

    @AgentRateLimit(name = "a", capacity = 5, refill = 1, period = "PT1S", lane = "x")
    @AgentRateLimit(name = "b", capacity = 5, refill = 1, period = "PT1S", lane = "y")
    void mixed() {}
  }

  private static AgentRateLimit[] on(String method) throws NoSuchMethodException {
    Method m = Endpoints.class.getDeclaredMethod(method);
    return m.getAnnotationsByType(AgentRateLimit.class);
  }

  @Test
  void annotationsReadNaturally() throws Exception {
    Policy search = Policy.fromAnnotations("search", on("search"));
    assertThat(search.limits())
        .containsExactly(
            Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"),
            Limit.capacity(600).refill(600).per(Duration.ofHours(1)).named("hourly"));
    Policy send = Policy.fromAnnotations("send", on("send"));
    assertThat(send.cost()).isEqualTo(2);
    assertThat(send.lane()).isEqualTo("egress");
  }

  @Test
  void badAnnotationsFailWithTheLimitNamed() {
    assertThatThrownBy(() -> Policy.fromAnnotations("typo", on("typo")))
        .hasMessage(
            "@AgentRateLimit 'typo' on policy 'typo': period '1 minute' is not an ISO-8601 duration such as PT1S");
    assertThatThrownBy(() -> Policy.fromAnnotations("zero", on("zero")))
        .hasMessage("@AgentRateLimit 'zero' on policy 'zero': limit: capacity must be > 0 but was 0");
    assertThatThrownBy(() -> Policy.fromAnnotations("mixed", on("mixed")))
        .hasMessageStartingWith("@AgentRateLimit 'b' on policy 'mixed': every limit of one policy must share lane and cost");
  }

  @Test
  void requestsRefuseDuplicatePolicies() {
    Policy p = Policy.named("p").limit(Limit.capacity(3).refill(1).per(Duration.ofSeconds(1))).build();
    AgentIdentity a = AgentIdentity.of("a", IdentitySource.IP);
    assertThatThrownBy(() -> AgentRequest.of(a, List.of(p, p)))
        .hasMessage("request: policy 'p' is listed twice");
  }
}
