package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * Each grammar of {@link Grammar} against an oracle written another way (a regular expression, or the
 * definition of blank), over strings drawn near each grammar's edges: its own characters, their neighbours
 * in ASCII, spaces, quotes, backslashes, control and non-ASCII characters, and lengths around the bounds.
 */
class GrammarProperties {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** RFC 6749 §3.3: {@code scope-token = 1*( %x21 / %x23-5B / %x5D-7E )}, here at most 128 long. */
  private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,128}");

  /** Characters of every grammar, their ASCII neighbours, and what no grammar takes. */
  private static final String EDGES =
      "aZz09._-~!#[]{}:/+=@^`|"
          + " \t\n\r\u000b\u001c\u001f\u0000\u007f\"\\'"
          + "\u00a0\u2007\u2028\u3000\u00e9\u0130\u212a\ud83d\ude00";

  @Provide
  Arbitrary<String> nearEdges() {
    Arbitrary<Character> chars =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.chars().with("abcXYZ019._-")),
            Tuple.of(3, Arbitraries.chars().with(EDGES)),
            Tuple.of(1, Arbitraries.chars()));
    Arbitrary<Integer> lengths =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.integers().between(0, 12)),
            Tuple.of(3, Arbitraries.of(63, 64, 65, 127, 128, 129)),
            Tuple.of(1, Arbitraries.integers().between(0, 200)));
    return lengths.flatMap(n -> chars.list().ofSize(n).map(GrammarProperties::join));
  }

  private static String join(List<Character> chars) {
    StringBuilder b = new StringBuilder(chars.size());
    chars.forEach(b::append);
    return b.toString();
  }

  @Property(tries = 3000)
  void aNameIsOneTo64LettersDigitsDotsUnderscoresAndHyphens(@ForAll("nearEdges") String s) {
    assertThat(Grammar.isName(s)).as("'%s'", s).isEqualTo(NAME.matcher(s).matches());
    if (Grammar.isName(s)) {
      assertThat(Grammar.checkName("limit: name", s)).isSameAs(s);
    } else {
      assertThatThrownBy(() -> Grammar.checkName("limit: name", s))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("limit: name ")
          .hasMessageEndingWith(" but was '" + s + "'");
    }
  }

  @Property(tries = 3000)
  void aScopeIsAnRfc6749ScopeTokenOfAtMost128Characters(@ForAll("nearEdges") String s) {
    assertThat(Grammar.isScope(s)).as("'%s'", s).isEqualTo(SCOPE.matcher(s).matches());
    if (Grammar.isScope(s)) {
      assertThat(Grammar.checkScope("scope:", s)).isSameAs(s);
    } else {
      assertThatThrownBy(() -> Grammar.checkScope("scope:", s))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("scope: ")
          .hasMessageEndingWith(" but was '" + s + "'");
    }
  }

  @Property(tries = 3000)
  void aTierIsAnyStringWithACharacterThatIsNotWhitespace(@ForAll("nearEdges") String s) {
    boolean oracle = s.codePoints().anyMatch(c -> !Character.isWhitespace(c));
    assertThat(Grammar.isTier(s)).as("'%s'", s).isEqualTo(oracle);
    if (oracle) {
      assertThat(Grammar.checkTier("agent tier:", s)).isSameAs(s);
    } else {
      assertThatThrownBy(() -> Grammar.checkTier("agent tier:", s))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("agent tier: must not be blank");
    }
  }

  /** Every name is a scope and a tier: a name can be used wherever a scope or a tier is expected. */
  @Property(tries = 2000)
  void everyNameIsAScopeAndATier(@ForAll("nearEdges") String s) {
    if (Grammar.isName(s)) {
      assertThat(Grammar.isScope(s)).isTrue();
      assertThat(Grammar.isTier(s)).isTrue();
    }
  }

  @Test
  void theBoundsAndTheMessagesAreExact() {
    assertThat(Grammar.MAX_NAME_LENGTH).isEqualTo(64);
    assertThat(Grammar.MAX_SCOPE_LENGTH).isEqualTo(128);
    assertThat(Grammar.isName("a".repeat(64))).isTrue();
    assertThat(Grammar.isName("a".repeat(65))).isFalse();
    assertThat(Grammar.isScope("a".repeat(128))).isTrue();
    assertThat(Grammar.isScope("a".repeat(129))).isFalse();
    assertThatThrownBy(() -> Grammar.checkName("realm", ""))
        .hasMessage("realm must have 1 to 64 characters but was ''");
    assertThatThrownBy(() -> Grammar.checkName("realm", "a b"))
        .hasMessage("realm may contain only letters, digits, '.', '_' and '-' but was 'a b'");
    assertThatThrownBy(() -> Grammar.checkScope("scope:", ""))
        .hasMessage("scope: must have 1 to 128 characters but was ''");
    assertThatThrownBy(() -> Grammar.checkScope("scope:", "a\"b"))
        .hasMessage("scope: must be printable ASCII without spaces, quotes or backslashes but was 'a\"b'");
    assertThatThrownBy(() -> Grammar.checkTier("tierOverride: tier", " \t"))
        .hasMessage("tierOverride: tier must not be blank");
  }
}
