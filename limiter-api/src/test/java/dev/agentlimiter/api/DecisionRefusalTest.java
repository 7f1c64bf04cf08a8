package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class DecisionRefusalTest {

  private static final Set<Reason> REFUSALS =
      EnumSet.of(Reason.INVALID_REQUEST, Reason.UNAUTHENTICATED, Reason.FORBIDDEN);

  @Test
  void causeConstantsAreStable() {
    assertThat(Decision.CAUSE_MISSING_HEADER).isEqualTo("missing-header");
    assertThat(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE).isEqualTo("unsupported-content-type");
    assertThat(Decision.CAUSE_BODY_TOO_LARGE).isEqualTo("body-too-large");
    assertThat(Decision.CAUSE_MALFORMED_JSON).isEqualTo("malformed-json");
    assertThat(Decision.CAUSE_UNREADABLE_BODY).isEqualTo("unreadable-body");
    assertThat(Decision.CAUSE_MISSING_CREDENTIAL).isEqualTo("missing-credential");
    assertThat(Decision.CAUSE_MISSING_SCOPE).isEqualTo("missing-scope");
    assertThat(Decision.MAX_DETAIL_LENGTH).isEqualTo(512);
  }

  @Test
  void everyDocumentedCauseIsAccepted() {
    List<String> causes =
        List.of(
            Decision.CAUSE_MISSING_HEADER,
            Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE,
            Decision.CAUSE_BODY_TOO_LARGE,
            Decision.CAUSE_MALFORMED_JSON,
            Decision.CAUSE_UNREADABLE_BODY,
            Decision.CAUSE_MISSING_CREDENTIAL,
            Decision.CAUSE_MISSING_SCOPE,
            "malformed-json.duplicate-key",
            "malformed-json.invalid-utf8",
            "malformed-json.trailing-content",
            "malformed-json.too-deep",
            "malformed-json.too-large",
            "malformed-json.empty",
            "expired");
    for (String cause : causes) {
      assertThat(Decision.refused(Reason.INVALID_REQUEST, cause, "Refused.").cause()).hasValue(cause);
    }
  }

  @Test
  void aRefusalIsADenialThatWaitingCannotCure() {
    for (Reason reason : REFUSALS) {
      Decision d = Decision.refused(reason, "missing-scope", "The key lacks scope dns:write.");
      assertThat(d.reason()).isEqualTo(reason);
      assertThat(d.isAllowed()).isFalse();
      assertThat(d.cause()).hasValue("missing-scope");
      assertThat(d.detail()).hasValue("The key lacks scope dns:write.");
      assertThat(d.retryAfter()).isEqualTo(Duration.ZERO);
      assertThat(d.retryAfterSeconds()).isZero();
      assertThat(d.limits()).isEmpty();
      assertThat(d.bindingLimit()).isEmpty();
      assertThat(d.policy()).isEmpty();
      assertThat(d.remaining()).isEqualTo(Long.MAX_VALUE);
      assertThat(d.reset()).isEqualTo(Duration.ZERO);
    }
  }

  @Test
  void onlyRefusalReasonsAreAccepted() {
    for (Reason reason : Reason.values()) {
      if (REFUSALS.contains(reason)) {
        continue;
      }
      assertThatThrownBy(() -> Decision.refused(reason, "missing-header", "Missing header."))
          .as("reason %s", reason)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "decision: refused() takes INVALID_REQUEST, UNAUTHENTICATED or FORBIDDEN but was " + reason);
    }
    assertThatThrownBy(() -> Decision.refused(Reason.ALLOWED, "x", "x"))
        .hasMessage("decision: refused() takes INVALID_REQUEST, UNAUTHENTICATED or FORBIDDEN but was ALLOWED");
    assertThatThrownBy(() -> Decision.refused(Reason.RATE_LIMITED, "x", "x"))
        .hasMessage(
            "decision: refused() takes INVALID_REQUEST, UNAUTHENTICATED or FORBIDDEN but was RATE_LIMITED");
  }

  @Test
  void causeIsOneToSixtyFourLowerCaseTokenCharacters() {
    assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "", "Bad."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: cause must have 1 to 64 characters but had 0");
    String longest = "c".repeat(64);
    assertThat(Decision.refused(Reason.INVALID_REQUEST, longest, "Bad.").cause()).hasValue(longest);
    assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "c".repeat(65), "Bad."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: cause must have 1 to 64 characters but had 65");
    assertThat(Decision.refused(Reason.FORBIDDEN, "a-z.0:9_", "Bad.").cause()).hasValue("a-z.0:9_");
    String charset = "decision: cause may contain only a-z, 0-9, '.', ':', '_' and '-' but was '";
    for (String bad :
        List.of(
            "Missing-header",
            "missing header",
            "missing/header",
            "missing\nheader",
            "caf\u00e9",
            "missing\"header",
            "a+b",
            "\u0661")) {
      assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, bad, "Bad."))
          .as("cause %s", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(charset + bad + "'");
    }
  }

  @Test
  void detailIsOneToFiveHundredTwelveCharactersWithoutControls() {
    String longest = "d".repeat(512);
    assertThat(Decision.refused(Reason.INVALID_REQUEST, "x", longest).detail()).hasValue(longest);
    assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "x", "d".repeat(513)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: detail must have 1 to 512 characters but had 513");
    assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "x", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: detail must have 1 to 512 characters but had 0");
    assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "x", "Bad.\r\nSet-Cookie: x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: detail has a control character at index 4");
    assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "x", "\u0000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: detail has a control character at index 0");
    assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "x", "tab\there"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: detail has a control character at index 3");
    assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "x", "del\u007f"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: detail has a control character at index 3");
    assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "x", "c1 \u0085"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision: detail has a control character at index 3");
    for (String invisible : List.of("rtl\u202e", "lsp\u2028", "psp\u2029", "zws\u200b", "bom\ufeff")) {
      assertThatThrownBy(() -> Decision.refused(Reason.INVALID_REQUEST, "x", invisible))
          .as(invisible)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("decision: detail has a control character at index 3");
    }
    String unicode = "Le corps d\u00e9passe 1 Mio \u2014 r\u00e9essayez \ud83d\ude42";
    assertThat(Decision.refused(Reason.INVALID_REQUEST, "x", unicode).detail()).hasValue(unicode);
  }

  @Test
  void allowedAndDeniedDecisionsHaveNoCauseOrDetail() {
    RateLimitStatus s =
        new RateLimitStatus("p", "l", 5, Duration.ofSeconds(1), 0, Duration.ofSeconds(1));
    List<Decision> decisions =
        List.of(
            Decision.allowed(),
            Decision.allowed(List.of(s)),
            Decision.denied(Reason.RATE_LIMITED, List.of(s), s, Duration.ofSeconds(1)),
            Decision.denied(Reason.FORBIDDEN, List.of(), null, Duration.ZERO),
            Decision.denied(Reason.INVALID_REQUEST, List.of(), null, Duration.ZERO),
            Decision.denied(Reason.LOOP_DETECTED, "p", Duration.ofSeconds(3)));
    for (Decision d : decisions) {
      assertThat(d.cause()).as("cause of %s", d).isEmpty();
      assertThat(d.detail()).as("detail of %s", d).isEmpty();
      assertThat(d.toString()).doesNotContain("cause=");
    }
  }

  @Test
  void equalityAndToStringIncludeTheCause() {
    Decision a = Decision.refused(Reason.INVALID_REQUEST, "body-too-large", "The body is too large.");
    Decision same = Decision.refused(Reason.INVALID_REQUEST, "body-too-large", "The body is too large.");
    assertThat(same).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(a)
        .isNotEqualTo(Decision.refused(Reason.INVALID_REQUEST, "missing-header", "The body is too large."))
        .isNotEqualTo(Decision.refused(Reason.INVALID_REQUEST, "body-too-large", "Too large."))
        .isNotEqualTo(Decision.refused(Reason.FORBIDDEN, "body-too-large", "The body is too large."))
        .isNotEqualTo(Decision.denied(Reason.INVALID_REQUEST, List.of(), null, Duration.ZERO));
    assertThat(a)
        .hasToString("Decision[INVALID_REQUEST, cause=body-too-large, remaining=unlimited, retryAfter=PT0S]");
    assertThat(Decision.refused(Reason.UNAUTHENTICATED, "missing-credential", "Sign in."))
        .hasToString(
            "Decision[UNAUTHENTICATED, cause=missing-credential, remaining=unlimited, retryAfter=PT0S]");
    assertThat(Decision.denied(Reason.INVALID_REQUEST, List.of(), null, Duration.ZERO))
        .hasToString("Decision[INVALID_REQUEST, remaining=unlimited, retryAfter=PT0S]");
  }

  /** refused() either keeps the cause and detail exactly as given or refuses them; nothing else escapes. */
  @Property(tries = 2000)
  void refusedKeepsItsTextOrThrowsIllegalArgument(
      @ForAll("reasons") Reason reason, @ForAll("texts") String cause, @ForAll("texts") String detail) {
    Decision d;
    try {
      d = Decision.refused(reason, cause, detail);
    } catch (IllegalArgumentException e) {
      assertThat(e).hasMessageStartingWith("decision: ");
      return;
    }
    assertThat(d.reason()).isEqualTo(reason);
    assertThat(d.cause()).hasValue(cause);
    assertThat(d.detail()).hasValue(detail);
    assertThat(d.isAllowed()).isFalse();
    assertThat(d.retryAfter()).isEqualTo(Duration.ZERO);
  }

  @Provide
  Arbitrary<Reason> reasons() {
    List<Reason> weighted = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      weighted.addAll(REFUSALS);
    }
    weighted.addAll(List.of(Reason.values()));
    return Arbitraries.of(weighted);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("abcxyz0189.:_-").ofMinLength(0).ofMaxLength(70),
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(600),
        Arbitraries.strings().ofMaxLength(600),
        Arbitraries.strings().ascii().ofMaxLength(20));
  }
}
