package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RequestRulesTest {

  @Test
  void noneHasNoRuleAndNeverReadsTheBody() {
    RequestRules none = RequestRules.none();
    assertThat(none.requiredHeaders()).isEmpty();
    assertThat(none.contentTypes()).isEmpty();
    assertThat(none.maxBodyBytes()).isEqualTo(OptionalLong.empty());
    assertThat(none.json()).isFalse();
    assertThat(none.readsBody()).isFalse();
    assertThat(none.isEmpty()).isTrue();
    assertThat(RequestRules.builder().build()).isEqualTo(none).hasSameHashCodeAs(none);
    assertThat(none)
        .hasToString("RequestRules[headers=[], contentTypes=[], maxBodyBytes=unlimited, json=false]");
  }

  @Test
  void constantsAreOneAndSixtyFourMebibytes() {
    assertThat(RequestRules.DEFAULT_JSON_MAX_BODY_BYTES).isEqualTo(1_048_576L);
    assertThat(RequestRules.MAX_BODY_BYTES).isEqualTo(67_108_864L);
  }

  @Test
  void headersAreLowerCasedAndKeepDeclarationOrder() {
    RequestRules r =
        RequestRules.builder()
            .requireHeader("X-Request-Id")
            .requireHeader("Idempotency-Key")
            .requireHeader("a")
            .requireHeader("!#$%&'*+-.^_`|~09AZaz")
            .build();
    assertThat(r.requiredHeaders())
        .containsExactly("x-request-id", "idempotency-key", "a", "!#$%&'*+-.^_`|~09azaz");
    assertThat(r.readsBody()).isFalse();
    assertThat(r.isEmpty()).isFalse();
    assertThat(r.maxBodyBytes()).isEmpty();
  }

  @Test
  void headerNamesMustBeHttpTokens() {
    assertThatThrownBy(() -> RequestRules.builder().requireHeader(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header: must have 1 to 128 characters but was ''");
    String longest = "h".repeat(128);
    assertThat(RequestRules.builder().requireHeader(longest).build().requiredHeaders())
        .containsExactly(longest);
    String tooLong = "h".repeat(129);
    assertThatThrownBy(() -> RequestRules.builder().requireHeader(tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header: must have 1 to 128 characters but was '" + tooLong + "'");
    assertThatThrownBy(() -> RequestRules.builder().requireHeader("X Id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header: must be an HTTP token but was 'X Id'");
    assertThatThrownBy(() -> RequestRules.builder().requireHeader("X-Id:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header: must be an HTTP token but was 'X-Id:'");
    assertThatThrownBy(() -> RequestRules.builder().requireHeader("X-Id\r\nSet-Cookie"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header: must be an HTTP token but was 'X-Id\r\nSet-Cookie'");
    assertThatThrownBy(() -> RequestRules.builder().requireHeader("Caf\u00e9"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header: must be an HTTP token but was 'Caf\u00e9'");
    assertThatThrownBy(() -> RequestRules.builder().requireHeader("a\"b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header: must be an HTTP token but was 'a\"b'");
    assertThatThrownBy(() -> RequestRules.builder().requireHeader("a/b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header: must be an HTTP token but was 'a/b'");
  }

  @Test
  void aHeaderRequiredTwiceIsRefusedWhateverItsCase() {
    RequestRules.Builder b = RequestRules.builder().requireHeader("X-Id");
    assertThatThrownBy(() -> b.requireHeader("X-Id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header 'X-Id' is listed twice");
    assertThatThrownBy(() -> b.requireHeader("x-ID"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("required header 'x-ID' is listed twice");
    assertThat(b.build().requiredHeaders()).containsExactly("x-id");
  }

  @Test
  void contentTypesAreLowerCasedAndKeepDeclarationOrder() {
    RequestRules r =
        RequestRules.builder()
            .allowContentType("application/vnd.api+json")
            .allowContentType("Application/JSON")
            .allowContentType("text/plain")
            .build();
    assertThat(r.contentTypes()).containsExactly("application/vnd.api+json", "application/json", "text/plain");
    assertThat(r.readsBody()).isFalse();
    assertThat(r.isEmpty()).isFalse();
    assertThat(r.json()).isFalse();
  }

  @Test
  void contentTypesMustBeTypeSlashSubtype() {
    assertThatThrownBy(() -> RequestRules.builder().allowContentType(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must be type/subtype but was ''");
    assertThatThrownBy(() -> RequestRules.builder().allowContentType("json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must be type/subtype but was 'json'");
    assertThatThrownBy(() -> RequestRules.builder().allowContentType("/json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must be type/subtype but was '/json'");
    assertThatThrownBy(() -> RequestRules.builder().allowContentType("application/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must be type/subtype but was 'application/'");
    assertThatThrownBy(() -> RequestRules.builder().allowContentType("/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must be type/subtype but was '/'");
  }

  @Test
  void contentTypeTypeAndSubtypeMustBeHttpTokens() {
    assertThatThrownBy(() -> RequestRules.builder().allowContentType("application/json; charset=utf-8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must be an HTTP token but was 'json; charset=utf-8'");
    assertThatThrownBy(() -> RequestRules.builder().allowContentType("application/json/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must be an HTTP token but was 'json/x'");
    assertThatThrownBy(() -> RequestRules.builder().allowContentType("appli cation/json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must be an HTTP token but was 'appli cation'");
    assertThatThrownBy(() -> RequestRules.builder().allowContentType("text/pl\u00e4in"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must be an HTTP token but was 'pl\u00e4in'");
    String longType = "t".repeat(129);
    assertThatThrownBy(() -> RequestRules.builder().allowContentType(longType + "/json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must have 1 to 128 characters but was '" + longType + "'");
    assertThatThrownBy(() -> RequestRules.builder().allowContentType("application/" + longType))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type: must have 1 to 128 characters but was '" + longType + "'");
    String longest = "t".repeat(128);
    assertThat(
            RequestRules.builder()
                .allowContentType(longest + "/" + longest)
                .build()
                .contentTypes())
        .containsExactly(longest + "/" + longest);
  }

  @Test
  void aContentTypeAllowedTwiceIsRefusedWhateverItsCase() {
    RequestRules.Builder b = RequestRules.builder().allowContentType("application/json");
    assertThatThrownBy(() -> b.allowContentType("application/json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type 'application/json' is listed twice");
    assertThatThrownBy(() -> b.allowContentType("Application/Json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("content type 'Application/Json' is listed twice");
    assertThat(b.build().contentTypes()).containsExactly("application/json");
  }

  @Test
  void maxBodyBytesIsBetweenZeroAndSixtyFourMebibytes() {
    assertThat(RequestRules.builder().maxBodyBytes(0).build().maxBodyBytes()).hasValue(0);
    assertThat(RequestRules.builder().maxBodyBytes(64L << 20).build().maxBodyBytes())
        .hasValue(67_108_864L);
    assertThatThrownBy(() -> RequestRules.builder().maxBodyBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBodyBytes must be between 0 and 67108864 but was -1");
    assertThatThrownBy(() -> RequestRules.builder().maxBodyBytes((64L << 20) + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBodyBytes must be between 0 and 67108864 but was 67108865");
    assertThatThrownBy(() -> RequestRules.builder().maxBodyBytes(Long.MIN_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBodyBytes must be between 0 and 67108864 but was " + Long.MIN_VALUE);
  }

  @Test
  void maxBodyBytesCanBeSetOnlyOnce() {
    RequestRules.Builder b = RequestRules.builder().maxBodyBytes(4096);
    assertThatThrownBy(() -> b.maxBodyBytes(4096))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxBodyBytes was already set to 4096");
    assertThatThrownBy(() -> b.maxBodyBytes(10))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxBodyBytes was already set to 4096");
    RequestRules.Builder zero = RequestRules.builder().maxBodyBytes(0);
    assertThatThrownBy(() -> zero.maxBodyBytes(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxBodyBytes was already set to 0");
    assertThat(b.build().maxBodyBytes()).hasValue(4096);
  }

  @Test
  void aRefusedMaxBodyBytesLeavesItUnset() {
    RequestRules.Builder b = RequestRules.builder();
    assertThatThrownBy(() -> b.maxBodyBytes(-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxBodyBytes must be between 0 and 67108864 but was -5");
    assertThat(b.maxBodyBytes(7).build().maxBodyBytes()).hasValue(7);
  }

  @Test
  void aBodyLimitReadsTheBody() {
    RequestRules r = RequestRules.builder().maxBodyBytes(0).build();
    assertThat(r.readsBody()).isTrue();
    assertThat(r.isEmpty()).isFalse();
    assertThat(r.json()).isFalse();
    assertThat(r)
        .hasToString("RequestRules[headers=[], contentTypes=[], maxBodyBytes=0, json=false]");
  }

  @Test
  void jsonDefaultsToOneMebibyteUnlessALimitIsSet() {
    RequestRules json = RequestRules.builder().json().build();
    assertThat(json.json()).isTrue();
    assertThat(json.maxBodyBytes()).hasValue(RequestRules.DEFAULT_JSON_MAX_BODY_BYTES);
    assertThat(json.readsBody()).isTrue();
    assertThat(json.isEmpty()).isFalse();

    RequestRules before = RequestRules.builder().maxBodyBytes(512).json().build();
    RequestRules after = RequestRules.builder().json().maxBodyBytes(512).build();
    assertThat(before.maxBodyBytes()).hasValue(512);
    assertThat(after).isEqualTo(before).hasSameHashCodeAs(before);
    assertThat(RequestRules.builder().json().maxBodyBytes(64L << 20).build().maxBodyBytes())
        .hasValue(RequestRules.MAX_BODY_BYTES);
    assertThat(RequestRules.builder().json().json().build()).isEqualTo(json);
  }

  @Test
  void equalityCoversEveryRule() {
    RequestRules a =
        RequestRules.builder()
            .requireHeader("X-Id")
            .allowContentType("application/json")
            .json()
            .build();
    RequestRules same =
        RequestRules.builder()
            .requireHeader("x-id")
            .allowContentType("APPLICATION/JSON")
            .json()
            .build();
    assertThat(same).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(a)
        .hasToString(
            "RequestRules[headers=[x-id], contentTypes=[application/json], maxBodyBytes=1048576, json=true]");
    assertThat(a)
        .isNotEqualTo(RequestRules.builder().allowContentType("application/json").json().build())
        .isNotEqualTo(RequestRules.builder().requireHeader("x-id").json().build())
        .isNotEqualTo(
            RequestRules.builder()
                .requireHeader("x-id")
                .allowContentType("application/json")
                .maxBodyBytes(1L << 20)
                .build())
        .isNotEqualTo(
            RequestRules.builder()
                .requireHeader("x-id")
                .allowContentType("application/json")
                .maxBodyBytes(10)
                .json()
                .build())
        .isNotEqualTo("RequestRules");
  }

  @Test
  void builtRulesAreImmutableAndIndependentOfTheBuilder() {
    RequestRules.Builder b = RequestRules.builder().requireHeader("X-A").allowContentType("text/plain");
    RequestRules first = b.build();
    b.requireHeader("X-B").allowContentType("text/csv");
    RequestRules second = b.build();
    assertThat(first.requiredHeaders()).containsExactly("x-a");
    assertThat(first.contentTypes()).containsExactly("text/plain");
    assertThat(second.requiredHeaders()).containsExactly("x-a", "x-b");
    assertThat(second.contentTypes()).containsExactly("text/plain", "text/csv");
    assertThatThrownBy(() -> first.requiredHeaders().add("x-c"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> first.contentTypes().add("text/html"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> RequestRules.none().requiredHeaders().add("x-c"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> first.requiredHeaders().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
