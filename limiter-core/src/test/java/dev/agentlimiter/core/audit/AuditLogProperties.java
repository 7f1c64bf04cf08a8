package dev.agentlimiter.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.LimiterEvent;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jspecify.annotations.Nullable;

/**
 * Whatever a hostile agent puts in its id, its path or a cause (control characters, quotes, backslashes,
 * lone surrogates, bidirectional overrides, line separators, credentials, megabytes), every line written is
 * one JSON object of printable ASCII with the required fields, and every string value is bounded and clean.
 */
class AuditLogProperties {

  @Provide
  Arbitrary<String> hostile() {
    Arbitrary<String> any = Arbitraries.strings().all().ofMinLength(0).ofMaxLength(600);
    Arbitrary<String> nasty =
        Arbitraries.strings()
            .withChars("\"\\/\u0000\n\r\t\u001f\u007f\u2028\u2029\u202e\ufeff\ud800\udc00\ud83d\ude00{}[]:,")
            .ofMinLength(0)
            .ofMaxLength(300);
    Arbitrary<String> huge = Arbitraries.strings().ascii().ofMinLength(5_000).ofMaxLength(20_000);
    Arbitrary<String> secret =
        Arbitraries.of("Bearer ak_live_4f9c2e7b1a8d6053c9e1", "BASIC dXNlcjpwYXNz", AuditLogSecretsTest.JWT);
    Arbitrary<String> mixed = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, any), net.jqwik.api.Tuple.of(3, nasty), net.jqwik.api.Tuple.of(1, huge),
        net.jqwik.api.Tuple.of(1, secret));
    return Arbitraries.oneOf(mixed, net.jqwik.api.Combinators.combine(mixed, secret, mixed).as((a, s, b) -> a + s + b));
  }

  @Property(tries = 300)
  void everyDecisionLineIsValidJsonWithTheRequiredFields(
      @ForAll("hostile") String agent,
      @ForAll("hostile") String path,
      @ForAll("hostile") String cause,
      @ForAll("hostile") String route,
      @ForAll("hostile") String requestId) {
    try (AuditFixture audit = new AuditFixture(b -> b.foldWindow(Duration.ZERO))) {
      audit.log.onDecision(
          Events.refusal(agent).path(path).cause(cause).route(route).requestId(requestId).method(cause).build());
      Map<String, Object> line = checked(audit);
      assertThat(line)
          .containsKeys("@timestamp", "event.category", "event.outcome", "event.reason", "url.path",
              "agentlimiter.reason", "agentlimiter.shadow", "agentlimiter.limiter_time_ns")
          .containsEntry("event.action", "agent-limiter-decision")
          .containsEntry("user.id", SafeText.clean(agent))
          .containsEntry("url.path", SafeText.clean(path))
          .containsEntry("agentlimiter.cause", SafeText.clean(cause));
      @Nullable Object id = line.get("http.request.id");
      assertThat(id == null || id.equals(requestId)).isTrue();
    }
  }

  @Property(tries = 200)
  void everyDetectorLineIsValidJsonWithTheRequiredFields(
      @ForAll("hostile") String agent, @ForAll("hostile") String policy) {
    try (AuditFixture audit = new AuditFixture(b -> b.foldWindow(Duration.ZERO))) {
      audit.log.onEvent(new LimiterEvent.ReputationChanged(agent, policy, 100, 50));
      Map<String, Object> line = checked(audit);
      assertThat(line)
          .containsKeys("@timestamp", "event.category", "event.reason")
          .containsEntry("event.action", "reputation-changed")
          .containsEntry("user.id", SafeText.clean(agent))
          .containsEntry("agentlimiter.policy", SafeText.clean(policy));
    }
  }

  /** The one line written: printable ASCII, one strict JSON object, every string value bounded and clean. */
  private static Map<String, Object> checked(AuditFixture audit) {
    List<Map<String, Object>> lines = audit.flushed();
    assertThat(lines).hasSize(1);
    assertThat(audit.log.dropped()).isZero();
    assertThat(audit.lines.raw().get(0)).matches("\\{[\\x20-\\x7e]+}");
    Map<String, Object> line = lines.get(0);
    assertThat(line).containsEntry("event.kind", "event");
    line.values().forEach(AuditLogProperties::clean);
    return line;
  }

  private static void clean(Object value) {
    if (value instanceof String s) {
      assertThat(s.length()).isLessThanOrEqualTo(SafeText.MAX_CHARS);
      assertThat(s.toLowerCase(Locale.ROOT)).doesNotContain("bearer ", "basic ", "eyjhbgcioijiuzi1niis");
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
          assertThat(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))).as("pair at %d", i).isTrue();
          i++;
        } else {
          assertThat(Character.isLowSurrogate(c)).as("lone low surrogate at %d", i).isFalse();
        }
      }
    } else if (value instanceof List<?> list) {
      list.forEach(AuditLogProperties::clean);
    } else if (value instanceof Map<?, ?> map) {
      map.values().forEach(AuditLogProperties::clean);
    }
  }
}
