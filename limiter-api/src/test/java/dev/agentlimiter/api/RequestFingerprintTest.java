package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class RequestFingerprintTest {

  private static final int DEFAULT = RequestFingerprint.DEFAULT_BODY_PREFIX_BYTES;

  private static RequestFingerprint fp(String method, String route, String query) {
    return RequestFingerprint.builder(method, route).query(query).build();
  }

  private static RequestFingerprint withBody(byte[] body) {
    return RequestFingerprint.builder("POST", "/v1/orders").body(body, 0, body.length).build();
  }

  private static RequestFingerprint withBody(int maximum, byte[] body) {
    return RequestFingerprint.builder("POST", "/v1/orders")
        .maximumBodyBytes(maximum)
        .body(body, 0, body.length)
        .build();
  }

  private static byte[] filled(int length, int seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  // ---- identity of the fingerprint ----

  @Test
  void sameInputsGiveEqualFingerprints() {
    byte[] body = "{\"qty\":1}".getBytes(StandardCharsets.UTF_8);
    RequestFingerprint a =
        RequestFingerprint.builder("POST", "/v1/orders").query("b=2&a=1").body(body, 0, body.length).build();
    RequestFingerprint b =
        RequestFingerprint.builder("POST", "/v1/orders").query("b=2&a=1").body(body, 0, body.length).build();
    assertThat(a).isNotSameAs(b).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a.high()).isEqualTo(b.high());
    assertThat(a.low()).isEqualTo(b.low());
    assertThat(RequestFingerprint.builder("GET", "/").build())
        .isEqualTo(RequestFingerprint.builder("GET", "/").build());
  }

  @Test
  void methodIsCaseInsensitiveButRouteIsNot() {
    assertThat(fp("post", "/v1/orders", "")).isEqualTo(fp("POST", "/v1/orders", ""));
    assertThat(fp("Post", "/v1/orders", "")).isEqualTo(fp("POST", "/v1/orders", ""));
    assertThat(fp("GET", "/v1/orders", "")).isNotEqualTo(fp("POST", "/v1/orders", ""));
    assertThat(fp("GET", "/v1/Orders", "")).isNotEqualTo(fp("GET", "/v1/orders", ""));
    assertThat(fp("GET", "/v1/orders/", "")).isNotEqualTo(fp("GET", "/v1/orders", ""));
  }

  @Test
  void eachPartChangesTheFingerprint() {
    RequestFingerprint base = fp("GET", "/a", "x=1");
    assertThat(fp("PUT", "/a", "x=1")).isNotEqualTo(base);
    assertThat(fp("GET", "/b", "x=1")).isNotEqualTo(base);
    assertThat(fp("GET", "/a", "x=2")).isNotEqualTo(base);
    assertThat(fp("GET", "/a", "")).isNotEqualTo(base);
    byte[] body = {1};
    assertThat(RequestFingerprint.builder("GET", "/a").query("x=1").body(body, 0, 1).build()).isNotEqualTo(base);
  }

  // ---- query normalisation ----

  @Test
  void reorderedParametersAreTheSameRequest() {
    assertThat(fp("GET", "/s", "b=2&a=1")).isEqualTo(fp("GET", "/s", "a=1&b=2"));
    assertThat(fp("GET", "/s", "c=3&a=1&b=2")).isEqualTo(fp("GET", "/s", "b=2&c=3&a=1"));
    assertThat(RequestFingerprint.normaliseQuery("b=2&a=1")).isEqualTo("a=1&b=2");
  }

  @Test
  void emptyParametersAreDropped() {
    assertThat(fp("GET", "/s", "a=1&&b=2&")).isEqualTo(fp("GET", "/s", "a=1&b=2"));
    assertThat(fp("GET", "/s", "&a=1")).isEqualTo(fp("GET", "/s", "a=1"));
    assertThat(fp("GET", "/s", "&&&")).isEqualTo(fp("GET", "/s", ""));
    assertThat(fp("GET", "/s", "")).isEqualTo(RequestFingerprint.builder("GET", "/s").build());
    assertThat(RequestFingerprint.normaliseQuery("&a=1&&b=2&")).isEqualTo("a=1&b=2");
    assertThat(RequestFingerprint.normaliseQuery("&&")).isEmpty();
    assertThat(RequestFingerprint.normaliseQuery("")).isEmpty();
  }

  @Test
  void percentEscapesAreCaseInsensitive() {
    assertThat(fp("GET", "/s", "path=%2f")).isEqualTo(fp("GET", "/s", "path=%2F"));
    assertThat(fp("GET", "/s", "q=%e2%82%ac&p=%2fa")).isEqualTo(fp("GET", "/s", "p=%2Fa&q=%E2%82%AC"));
    assertThat(RequestFingerprint.normaliseQuery("b=%2f&a=%3a1")).isEqualTo("a=%3A1&b=%2F");
    // Only the two characters after '%' are upper-cased.
    assertThat(RequestFingerprint.normaliseQuery("key=%2fabc")).isEqualTo("key=%2Fabc");
    // only real escapes are normalised: "%zz" is not one, and "%%2f" holds the escape "%2f"
    assertThat(RequestFingerprint.normaliseQuery("a=%zz")).isEqualTo("a=%zz");
    assertThat(fp("GET", "/s", "a=%zz")).isNotEqualTo(fp("GET", "/s", "a=%ZZ"));
    assertThat(RequestFingerprint.normaliseQuery("a=%%2f")).isEqualTo("a=%%2F");
    assertThat(fp("GET", "/s", "key=%2fabc")).isNotEqualTo(fp("GET", "/s", "key=%2FABC"));
  }

  @Test
  void differentValuesDiffer() {
    assertThat(fp("GET", "/s", "a=1")).isNotEqualTo(fp("GET", "/s", "a=2"));
    assertThat(fp("GET", "/s", "a=1")).isNotEqualTo(fp("GET", "/s", "b=1"));
    assertThat(fp("GET", "/s", "a=1&a=1")).isNotEqualTo(fp("GET", "/s", "a=1"));
    assertThat(fp("GET", "/s", "a=x")).isNotEqualTo(fp("GET", "/s", "a=X"));
    assertThat(fp("GET", "/s", "a=%2F")).isNotEqualTo(fp("GET", "/s", "a=/"));
  }

  // ---- body digest ----

  @Test
  void onlyTheDefaultPrefixOfTheBodyCounts() {
    byte[] a = filled(DEFAULT + 100, 1);
    byte[] sameBeforeLimit = a.clone();
    sameBeforeLimit[DEFAULT] ^= 1; // first byte beyond the limit
    sameBeforeLimit[a.length - 1] ^= 1;
    assertThat(withBody(sameBeforeLimit)).isEqualTo(withBody(a));
    byte[] differsAtLastCountedByte = a.clone();
    differsAtLastCountedByte[DEFAULT - 1] ^= 1;
    assertThat(withBody(differsAtLastCountedByte)).isNotEqualTo(withBody(a));
    byte[] differsAtFirstByte = a.clone();
    differsAtFirstByte[0] ^= 1;
    assertThat(withBody(differsAtFirstByte)).isNotEqualTo(withBody(a));
    // A body truncated to the prefix is the same request.
    assertThat(withBody(Arrays.copyOf(a, DEFAULT))).isEqualTo(withBody(a));
    assertThat(withBody(Arrays.copyOf(a, DEFAULT - 1))).isNotEqualTo(withBody(a));
  }

  @Test
  void aSmallerMaximumCoversFewerBytes() {
    byte[] a = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
    byte[] b = "abcdXYZ".getBytes(StandardCharsets.US_ASCII);
    assertThat(withBody(4, a)).isEqualTo(withBody(4, b));
    assertThat(withBody(5, a)).isNotEqualTo(withBody(5, b));
    assertThat(withBody(4, a)).isEqualTo(withBody(4, "abcd".getBytes(StandardCharsets.US_ASCII)));
    // Zero bytes: the body is ignored entirely.
    assertThat(withBody(0, a)).isEqualTo(RequestFingerprint.builder("POST", "/v1/orders").build());
    assertThat(withBody(0, a)).isEqualTo(withBody(0, b));
  }

  @Test
  void anEmptyBodyIsNoBody() {
    assertThat(withBody(new byte[0])).isEqualTo(RequestFingerprint.builder("POST", "/v1/orders").build());
    byte[] some = {1, 2, 3};
    assertThat(RequestFingerprint.builder("POST", "/v1/orders").body(some, 1, 0).build())
        .isEqualTo(RequestFingerprint.builder("POST", "/v1/orders").build());
    assertThat(RequestFingerprint.builder("POST", "/v1/orders").body(some, 3, 0).build())
        .isEqualTo(RequestFingerprint.builder("POST", "/v1/orders").build());
  }

  @Test
  void feedingTheBodyInPiecesEqualsFeedingItAtOnce() {
    byte[] body = filled(DEFAULT * 3, 2);
    RequestFingerprint once = withBody(body);
    RequestFingerprint.Builder pieces = RequestFingerprint.builder("POST", "/v1/orders");
    int[] sizes = {1, 0, 7, 1000, 4096, 3000, 5000, 100};
    int at = 0;
    for (int size : sizes) {
      pieces.body(body, at, size);
      at += size;
    }
    pieces.body(body, at, body.length - at);
    assertThat(pieces.build()).isEqualTo(once);

    // Byte by byte, crossing the limit.
    RequestFingerprint.Builder single = RequestFingerprint.builder("POST", "/v1/orders");
    for (int i = 0; i < DEFAULT + 10; i++) {
      single.body(body, i, 1);
    }
    assertThat(single.build()).isEqualTo(once);

    // Pieces that straddle a small limit.
    byte[] abc = "abcdefgh".getBytes(StandardCharsets.US_ASCII);
    RequestFingerprint straddled =
        RequestFingerprint.builder("POST", "/v1/orders")
            .maximumBodyBytes(4)
            .body(abc, 0, 3)
            .body(abc, 3, 3)
            .body(abc, 6, 2)
            .build();
    assertThat(straddled).isEqualTo(withBody(4, abc));
  }

  @Test
  void bodyRespectsTheOffset() {
    byte[] framed = "XXhelloYY".getBytes(StandardCharsets.US_ASCII);
    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
    assertThat(RequestFingerprint.builder("POST", "/v1/orders").body(framed, 2, 5).build())
        .isEqualTo(withBody(hello));
  }

  @Test
  void maximumBodyBytesBoundaries() {
    RequestFingerprint.Builder b = RequestFingerprint.builder("POST", "/");
    assertThatThrownBy(() -> b.maximumBodyBytes(-1))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("fingerprint: maximumBodyBytes must be between 0 and 1048576 but was -1");
    assertThat(b.maximumBodyBytes(0)).isSameAs(b);
    assertThat(b.maximumBodyBytes(1 << 20)).isSameAs(b);
    assertThatThrownBy(() -> b.maximumBodyBytes((1 << 20) + 1))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("fingerprint: maximumBodyBytes must be between 0 and 1048576 but was 1048577");
    assertThatThrownBy(() -> b.maximumBodyBytes(Integer.MAX_VALUE))
        .hasMessage("fingerprint: maximumBodyBytes must be between 0 and 1048576 but was 2147483647");
  }

  @Test
  void theMaximumPrefixIsOneMebibyte() {
    int max = 1 << 20;
    byte[] a = filled(max + 10, 3);
    byte[] beyond = a.clone();
    beyond[max] ^= 1;
    byte[] within = a.clone();
    within[max - 1] ^= 1;
    assertThat(withBody(max, beyond)).isEqualTo(withBody(max, a));
    assertThat(withBody(max, within)).isNotEqualTo(withBody(max, a));
  }

  @Test
  void outOfRangeBodySlicesThrow() {
    byte[] body = new byte[10];
    RequestFingerprint.Builder b = RequestFingerprint.builder("POST", "/");
    assertThatThrownBy(() -> b.body(body, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> b.body(body, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> b.body(body, 0, 11)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> b.body(body, 9, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> b.body(body, 11, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> b.body(body, Integer.MAX_VALUE, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> b.body(body, 1, Integer.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
    // Even once the prefix is full, bad slices are still refused.
    RequestFingerprint.Builder full = RequestFingerprint.builder("POST", "/").maximumBodyBytes(0);
    assertThatThrownBy(() -> full.body(body, 5, 6)).isInstanceOf(IndexOutOfBoundsException.class);
    // The failed calls fed nothing.
    assertThat(b.build()).isEqualTo(RequestFingerprint.builder("POST", "/").build());
    assertThat(b.body(body, 10, 0).body(body, 0, 10).build())
        .isEqualTo(RequestFingerprint.builder("POST", "/").body(body, 0, 10).build());
  }

  @Test
  @SuppressWarnings("NullAway") // null on purpose
  void nullsAreRefused() {
    assertThatThrownBy(() -> RequestFingerprint.builder(null, "/")).isInstanceOf(NullPointerException.class).hasMessage("method");
    assertThatThrownBy(() -> RequestFingerprint.builder("GET", null)).isInstanceOf(NullPointerException.class).hasMessage("route");
    assertThatThrownBy(() -> RequestFingerprint.builder("GET", "/").query(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("query");
    assertThatThrownBy(() -> RequestFingerprint.builder("GET", "/").body(null, 0, 0))
        .isInstanceOf(NullPointerException.class);
  }

  // ---- attack inputs ----

  @Test
  void aTenMegabyteBodyIsFineAndOnlyThePrefixCounts() {
    byte[] huge = filled(10 * 1024 * 1024, 4);
    RequestFingerprint all = withBody(huge);
    assertThat(all).isEqualTo(withBody(Arrays.copyOf(huge, DEFAULT)));
    byte[] tail = huge.clone();
    tail[huge.length - 1] ^= 1;
    tail[huge.length / 2] ^= 1;
    assertThat(withBody(tail)).isEqualTo(all);
    assertThat(withBody(1 << 20, huge)).isEqualTo(withBody(1 << 20, Arrays.copyOf(huge, 1 << 20)));
    // The builder's count is of digested bytes only.
    RequestFingerprint.Builder b = RequestFingerprint.builder("POST", "/up").body(huge, 0, huge.length);
    assertThat(b.toString()).isEqualTo("RequestFingerprint.Builder[POST /up?, body bytes " + DEFAULT + "]");
  }

  @Test
  void controlCharactersInTheRouteAreNotStripped() {
    RequestFingerprint plain = fp("GET", "/v1/orders", "");
    assertThat(fp("GET", "/v1/orders\0", "")).isNotEqualTo(plain);
    assertThat(fp("GET", "/v1/\0orders", "")).isNotEqualTo(plain);
    assertThat(fp("GET", "/v1/orders\r\n", "")).isNotEqualTo(plain);
    assertThat(fp("GET", "/v1/orders\n", "")).isNotEqualTo(plain);
    assertThat(fp("GET", "/v1/orders\r", "")).isNotEqualTo(plain);
    assertThat(fp("GET", "/v1/or\r\nders", "")).isNotEqualTo(plain);
    assertThat(fp("GET", "/v1/orders\0", "")).isNotEqualTo(fp("GET", "/v1/orders\r\n", ""));
  }

  /**
   * Regression: the parts were once joined with NUL separators, so a NUL inside the method, route or query
   * shifted bytes from one part into the next and two different requests got the same fingerprint. Each
   * part is now length-prefixed.
   */
  @Test
  void aNulCannotMoveBytesBetweenParts() {
    assertThat(fp("GET", "/v1/orders\0", "")).isNotEqualTo(fp("GET", "/v1/orders", "\0"));
    assertThat(fp("GET", "/a\0x", "y")).isNotEqualTo(fp("GET", "/a", "x\0y"));
    assertThat(fp("get\0/A", "b", "")).isNotEqualTo(fp("GET", "/A\0b", ""));
  }

  @Test
  void nonAsciiRoutesAreDistinct() {
    assertThat(fp("GET", "/café", "")).isNotEqualTo(fp("GET", "/cafe", ""));
    assertThat(fp("GET", "/café", "")).isEqualTo(fp("GET", "/café", ""));
  }

  // ---- representation ----

  @Test
  void ofRoundTripsTheHalves() {
    long[] values = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x0123456789abcdefL};
    for (long high : values) {
      for (long low : values) {
        RequestFingerprint f = RequestFingerprint.of(high, low);
        assertThat(f.high()).isEqualTo(high);
        assertThat(f.low()).isEqualTo(low);
        assertThat(f).isEqualTo(RequestFingerprint.of(high, low));
        assertThat(f.hashCode()).isEqualTo(RequestFingerprint.of(high, low).hashCode());
      }
    }
    RequestFingerprint built = fp("GET", "/", "a=1");
    assertThat(RequestFingerprint.of(built.high(), built.low())).isEqualTo(built);
    assertThat(RequestFingerprint.of(1, 2)).isNotEqualTo(RequestFingerprint.of(2, 1));
    assertThat(RequestFingerprint.of(1, 2)).isNotEqualTo("00000000000000010000000000000002");
  }

  @Test
  void toStringIsThirtyTwoHexCharacters() {
    assertThat(RequestFingerprint.of(0, 0)).hasToString("00000000000000000000000000000000");
    assertThat(RequestFingerprint.of(1, 2)).hasToString("00000000000000010000000000000002");
    assertThat(RequestFingerprint.of(-1, Long.MIN_VALUE)).hasToString("ffffffffffffffff8000000000000000");
    assertThat(RequestFingerprint.of(0x0123456789abcdefL, 0xfedcba9876543210L))
        .hasToString("0123456789abcdeffedcba9876543210");
    for (String route : List.of("/", "/v1/orders", "/x\0y")) {
      RequestFingerprint f = fp("POST", route, "a=b");
      assertThat(f.toString()).hasSize(32).matches("[0-9a-f]{32}");
      assertThat(f.toString())
          .isEqualTo(String.format(Locale.ROOT, "%016x%016x", f.high(), f.low()));
    }
  }

  // ---- properties ----

  @Provide
  Arbitrary<String> param() {
    Arbitrary<String> plain = Arbitraries.strings().withCharRange('a', 'z').withChars('0', '9', '-', '.').ofMaxLength(6);
    return Combinators.combine(plain, plain, Arbitraries.of("", "=")).as((k, v, eq) -> k + eq + v);
  }

  /** Any permutation of the parameters, with empty ones sprinkled in, normalises to the same string. */
  @Property
  void permutationsNormaliseAlike(
      @ForAll @Size(max = 12) List<@From("param") String> params, @ForAll Random random) {
    List<String> shuffled = new ArrayList<>(params);
    Collections.shuffle(shuffled, random);
    int empties = random.nextInt(4);
    for (int i = 0; i < empties; i++) {
      shuffled.add(random.nextInt(shuffled.size() + 1), "");
    }
    String original = String.join("&", params);
    String permuted = String.join("&", shuffled);
    assertThat(RequestFingerprint.normaliseQuery(permuted)).isEqualTo(RequestFingerprint.normaliseQuery(original));
    assertThat(fp("GET", "/p", permuted)).isEqualTo(fp("GET", "/p", original));
    List<String> nonEmpty = new ArrayList<>();
    for (String p : params) {
      if (!p.isEmpty()) {
        nonEmpty.add(p);
      }
    }
    Collections.sort(nonEmpty);
    assertThat(RequestFingerprint.normaliseQuery(original)).isEqualTo(String.join("&", nonEmpty));
  }

  /** Normalising twice changes nothing. */
  @Property
  void normalisationIsIdempotent(@ForAll @Size(max = 12) List<@From("param") String> params) {
    String once = RequestFingerprint.normaliseQuery(String.join("&", params));
    assertThat(RequestFingerprint.normaliseQuery(once)).isEqualTo(once);
  }
}
