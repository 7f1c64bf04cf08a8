package dev.agentlimiter.core.internal.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Decision;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the JSON problems and the {@code malformed-json} causes are one list: each problem's decision
 * cause is one of {@link Decision}'s constants, and each of those is one problem's.
 */
class Issue15JsonCausesTest {

  @Test
  void eachProblemIsOneMalformedJsonCause() throws IllegalAccessException {
    List<String> problems = new ArrayList<>();
    for (Field f : JsonShape.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        problems.add((String) f.get(null));
      }
    }
    List<String> causes = new ArrayList<>();
    for (Field f : Decision.class.getFields()) {
      if (f.getName().startsWith("CAUSE_MALFORMED_JSON")) {
        causes.add((String) f.get(null));
      }
    }
    assertThat(problems).hasSize(7).doesNotHaveDuplicates();
    assertThat(problems.stream().map(p -> new JsonShape.Problem(p, 0, 0).decisionCause()))
        .containsExactlyInAnyOrderElementsOf(causes);
  }

  @Test
  void aRefusedBodyCarriesTheConstant() {
    assertThat(new JsonShape.Problem(JsonShape.MALFORMED, 0, 0).decisionCause())
        .isSameAs(Decision.CAUSE_MALFORMED_JSON);
    byte[] body = "{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8);
    JsonShape.Problem duplicate = new JsonShape(JsonShape.Limits.DEFAULT).check(body, 0, body.length);
    assertThat(Objects.requireNonNull(duplicate).decisionCause())
        .isEqualTo(Decision.CAUSE_MALFORMED_JSON_DUPLICATE_KEY);
  }
}
