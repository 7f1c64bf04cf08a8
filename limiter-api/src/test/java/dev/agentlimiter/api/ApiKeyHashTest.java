package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ApiKeyHashTest {

  private static final String KEY = "ak_live_4f9c2e7b1a8d6053c9e1";

  private static final String MALFORMED =
      "api key: must be 20 to 512 printable ASCII characters without spaces (the key itself is not shown)";

  @Test
  void keyLengthIsTwentyToFiveHundredTwelve() {
    assertThat(ApiKeyHash.MIN_KEY_LENGTH).isEqualTo(20);
    assertThat(ApiKeyHash.MAX_KEY_LENGTH).isEqualTo(512);
    String k19 = "k".repeat(19);
    assertThat(ApiKeyHash.isWellFormed(k19)).isFalse();
    assertThatThrownBy(() -> ApiKeyHash.of(k19))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(MALFORMED);
    assertThat(ApiKeyHash.isWellFormed("k".repeat(20))).isTrue();
    assertThat(ApiKeyHash.of("k".repeat(20)).hex()).hasSize(64);
    assertThat(ApiKeyHash.isWellFormed("k".repeat(512))).isTrue();
    assertThat(ApiKeyHash.of("k".repeat(512)).hex()).hasSize(64);
    String k513 = "k".repeat(513);
    assertThat(ApiKeyHash.isWellFormed(k513)).isFalse();
    assertThatThrownBy(() -> ApiKeyHash.of(k513))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(MALFORMED);
    assertThat(ApiKeyHash.isWellFormed("")).isFalse();
    assertThatThrownBy(() -> ApiKeyHash.of(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(MALFORMED);
  }

  @Test
  void nonPrintableCharactersAndSpacesAreRefusedWithoutShowingTheKey() {
    String[] bad = {
      "ak_live_4f9c2e7b 1a8d6053c9e1",
      "ak_live_4f9c2e7b\t1a8d6053c9e1",
      "ak_live_4f9c2e7b\r\n1a8d6053c9e1",
      "ak_live_4f9c2e7b\u00001a8d6053c9e1",
      "ak_live_4f9c2e7b\u007f1a8d6053c9e1",
      "ak_live_4f9c2e7b\u00e91a8d6053c9e1",
      "ak_live_4f9c2e7b\u20ac1a8d6053c9e1",
      "ak_live_4f9c2e7b\ud83d\udd111a8d6053c9e1",
      " ak_live_4f9c2e7b1a8d6053c9e1",
      "ak_live_4f9c2e7b1a8d6053c9e1 ",
    };
    for (String key : bad) {
      assertThat(ApiKeyHash.isWellFormed(key)).as("well-formed: %s", key).isFalse();
      assertThatThrownBy(() -> ApiKeyHash.of(key))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(MALFORMED)
          .hasMessageNotContaining(key)
          .hasMessageNotContaining("4f9c2e7b")
          .hasMessageNotContaining("1a8d6053c9e1");
    }
    assertThat(ApiKeyHash.isWellFormed("!~" + "x".repeat(18))).isTrue();
  }

  @Test
  void hashesAreSha256OfTheKey() throws NoSuchAlgorithmException {
    byte[] expected =
        MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.US_ASCII));
    String hex = HexFormat.of().formatHex(expected);
    assertThat(hex).isEqualTo("4ad9cef29139e6f0aa0aad3199b0ff09254fad02f7a0ef8efe2f18d7347d1d9d");
    assertThat(ApiKeyHash.of(KEY).hex()).isEqualTo(hex);
    // FIPS 180-2 test vector.
    assertThat(ApiKeyHash.of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex())
        .isEqualTo("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }

  @Test
  void fromHexRoundTrips() {
    ApiKeyHash h = ApiKeyHash.of(KEY);
    ApiKeyHash parsed = ApiKeyHash.fromHex(h.hex());
    assertThat(parsed).isEqualTo(h).hasSameHashCodeAs(h);
    assertThat(parsed.matches(h)).isTrue();
    assertThat(parsed.hex()).isEqualTo(h.hex());
    ApiKeyHash upper = ApiKeyHash.fromHex(h.hex().toUpperCase(Locale.ROOT));
    assertThat(upper).isEqualTo(h);
    assertThat(upper.hex()).isEqualTo(h.hex());
    String zeros = "0".repeat(64);
    assertThat(ApiKeyHash.fromHex(zeros).hex()).isEqualTo(zeros);
  }

  @Test
  void fromHexRefusesAnythingButSixtyFourHexDigits() {
    String hex = ApiKeyHash.of(KEY).hex();
    assertThatThrownBy(() -> ApiKeyHash.fromHex(hex.substring(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("api key hash: must be 64 hexadecimal digits but had 63 characters");
    assertThatThrownBy(() -> ApiKeyHash.fromHex(hex + "0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("api key hash: must be 64 hexadecimal digits but had 65 characters");
    assertThatThrownBy(() -> ApiKeyHash.fromHex(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("api key hash: must be 64 hexadecimal digits but had 0 characters");
    assertThatThrownBy(() -> ApiKeyHash.fromHex("g" + hex.substring(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("api key hash: must be 64 hexadecimal digits")
        .hasCauseInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ApiKeyHash.fromHex(hex.substring(0, 62) + " 0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("api key hash: must be 64 hexadecimal digits");
    assertThatThrownBy(() -> ApiKeyHash.fromHex("\uff10".repeat(64)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("api key hash: must be 64 hexadecimal digits");
  }

  @Test
  void matchesEqualsAndHashCodeCompareTheHash() {
    ApiKeyHash a = ApiKeyHash.of(KEY);
    ApiKeyHash same = ApiKeyHash.of(KEY);
    ApiKeyHash other = ApiKeyHash.of(KEY + "x");
    assertThat(a.matches(same)).isTrue();
    assertThat(a.matches(a)).isTrue();
    assertThat(a.matches(other)).isFalse();
    assertThat(other.matches(a)).isFalse();
    assertThat(same).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(other).isNotEqualTo(a);
    assertThat(a).isNotEqualTo(a.hex());
    assertThat(ApiKeyHash.of(KEY.toUpperCase(Locale.ROOT))).isNotEqualTo(a);
  }

  @Test
  void toStringShowsOnlyEightHexDigits() {
    ApiKeyHash h = ApiKeyHash.of(KEY);
    assertThat(h).hasToString("ApiKeyHash[4ad9cef2\u2026]");
    assertThat(h.toString())
        .doesNotContain(h.hex())
        .doesNotContain(h.hex().substring(0, 9))
        .doesNotContain(KEY);
  }

  @Test
  void entriesAreLiveUntilExpiryUnlessRevoked() {
    ApiKeyHash h = ApiKeyHash.of(KEY);
    AgentIdentity id = AgentIdentity.of("agent-7", IdentitySource.API_KEY);
    Instant expiry = Instant.parse("2030-01-01T00:00:00Z");
    ApiKeyEntry e = new ApiKeyEntry(h, id, expiry, false);
    assertThat(e.isLive(expiry.minusNanos(1))).isTrue();
    assertThat(e.isLive(expiry.minus(Duration.ofDays(365)))).isTrue();
    assertThat(e.isLive(expiry)).as("expiresAt is the first instant refused").isFalse();
    assertThat(e.isLive(expiry.plusNanos(1))).isFalse();

    ApiKeyEntry forever = new ApiKeyEntry(h, id, null, false);
    assertThat(forever.isLive(Instant.MIN)).isTrue();
    assertThat(forever.isLive(Instant.MAX)).isTrue();

    ApiKeyEntry revoked = new ApiKeyEntry(h, id, expiry, true);
    assertThat(revoked.isLive(expiry.minusNanos(1))).isFalse();
    assertThat(revoked.isLive(expiry.plusNanos(1))).isFalse();
    ApiKeyEntry revokedForever = new ApiKeyEntry(h, id, null, true);
    assertThat(revokedForever.isLive(Instant.MIN)).isFalse();

    assertThat(new ApiKeyEntry(ApiKeyHash.fromHex(h.hex()), id, expiry, false)).isEqualTo(e);
    assertThat(e.toString()).doesNotContain(h.hex()).doesNotContain(KEY);
  }

  /** isWellFormed is exactly the condition under which of() accepts a key. */
  @Property(tries = 2000)
  void isWellFormedIsExactlyWhatOfAccepts(@ForAll("keys") String key) {
    boolean accepted;
    try {
      ApiKeyHash.of(key);
      accepted = true;
    } catch (IllegalArgumentException e) {
      assertThat(e).hasMessage(MALFORMED);
      accepted = false;
    }
    assertThat(ApiKeyHash.isWellFormed(key)).isEqualTo(accepted);
  }

  @Property(tries = 500)
  void ofNeverThrowsAnythingElse(@ForAll String key) {
    assertThatCode(
            () -> {
              try {
                ApiKeyHash.of(key);
              } catch (IllegalArgumentException e) {
                // refused: fine
              }
            })
        .doesNotThrowAnyException();
    assertThat(ApiKeyHash.isWellFormed(key))
        .isEqualTo(key.length() >= 20 && key.length() <= 512 && key.chars().allMatch(c -> c > 0x20 && c < 0x7f));
  }

  @Provide
  Arbitrary<String> keys() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withCharRange('!', '~').ofMinLength(15).ofMaxLength(520),
        Arbitraries.strings().withCharRange(' ', '\u007f').ofMinLength(18).ofMaxLength(40),
        Arbitraries.strings().withCharRange('!', '~').withChars(' ', '\t', '\u00e9', '\u0000').ofMinLength(19).ofMaxLength(30),
        Arbitraries.strings().ofMaxLength(600));
  }
}
