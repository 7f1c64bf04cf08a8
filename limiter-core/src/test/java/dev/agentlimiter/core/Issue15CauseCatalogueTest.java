package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.identity.IdentityResolvers;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: every refusal cause is written once, in its home ({@link Decision}'s {@code CAUSE_*} constants
 * for request-level causes, {@link IdentityResult.Rejected}'s constants for rejected credentials, the
 * offence's reason for a quarantine), and the table in docs/identity.md lists exactly these.
 */
class Issue15CauseCatalogueTest {

  /** Our own causes: lowercase letters and digits, words joined by one {@code -} or {@code .}. */
  private static final Pattern CAUSE = Pattern.compile("[a-z0-9]+(?:[.-][a-z0-9]+)*");

  private static final Path DOC = Path.of("../docs/identity.md");

  /** The refusals a penalty box records as offences, whose reason becomes a quarantine's cause. */
  private static final List<Reason> OFFENCES =
      List.of(Reason.RATE_LIMITED, Reason.LOOP_DETECTED, Reason.CONCURRENCY_LIMITED);

  /** The public static final String fields of {@code type} whose names start with {@code prefix}. */
  private static Map<String, String> constants(Class<?> type, String prefix) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Field f : type.getFields()) {
      int m = f.getModifiers();
      boolean constant = Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == String.class;
      if (constant && f.getName().startsWith(prefix)) {
        try {
          out.put(type.getSimpleName() + "." + f.getName(), (String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return out;
  }

  /** Every cause: where it is written → its value. */
  private static Map<String, String> catalogue() {
    Map<String, String> all = new LinkedHashMap<>();
    all.putAll(constants(Decision.class, "CAUSE_"));
    all.putAll(constants(IdentityResult.Rejected.class, ""));
    for (Reason offence : OFFENCES) {
      all.put(
          "Decision.quarantined(" + offence + ")",
          Decision.quarantined("lane", "policy", offence, Duration.ofSeconds(1)).cause().orElseThrow());
    }
    return all;
  }

  @Test
  void eachHomeHasTheCausesItShould() {
    Map<String, String> all = catalogue();
    assertThat(constants(Decision.class, "CAUSE_")).hasSize(15);
    assertThat(constants(IdentityResult.Rejected.class, "")).hasSize(17);
    assertThat(all).hasSize(35);
  }

  @Test
  void everyCauseIsUniqueAndOfTheCauseGrammar() {
    Map<String, String> byValue = new LinkedHashMap<>();
    catalogue().forEach((where, cause) -> {
      assertThat(cause).as(where).matches(CAUSE).hasSizeBetween(1, 64);
      assertThat(Decision.refused(Reason.UNAUTHENTICATED, cause, "Refused.").cause()).as(where).hasValue(cause);
      String other = byValue.put(cause, where);
      assertThat(other).as("'%s' is written as %s and as %s", cause, other, where).isNull();
    });
  }

  @Test
  void theDocsTableListsEveryCauseAndNothingElse() throws IOException {
    List<String> rows = documentedCauses();
    assertThat(rows).as("rows of docs/identity.md's Refusal causes table").doesNotHaveDuplicates();
    assertThat(rows).containsExactlyInAnyOrderElementsOf(catalogue().values());
  }

  /** The core module's public cause names repeat the home's constant of the same name. */
  @Test
  void identityResolversNamesAreTheRejectedConstants() throws ReflectiveOperationException {
    Map<String, String> named = constants(IdentityResolvers.class, "");
    assertThat(named).isNotEmpty();
    for (Map.Entry<String, String> e : named.entrySet()) {
      String name = e.getKey().substring(e.getKey().indexOf('.') + 1);
      assertThat(e.getValue()).as(e.getKey()).isEqualTo(IdentityResult.Rejected.class.getField(name).get(null));
    }
  }

  private static List<String> documentedCauses() throws IOException {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    int start = doc.indexOf("\n## Refusal causes\n");
    assertThat(start).as("docs/identity.md has a '## Refusal causes' section").isNotNegative();
    int end = doc.indexOf("\n## ", start + 1);
    String section = doc.substring(start, end < 0 ? doc.length() : end);
    List<String> causes = new ArrayList<>();
    Matcher row = Pattern.compile("(?m)^\\| `([^`]+)` \\|").matcher(section);
    while (row.find()) {
      causes.add(row.group(1));
    }
    return causes;
  }
}
