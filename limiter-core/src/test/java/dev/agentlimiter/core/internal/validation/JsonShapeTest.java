package dev.agentlimiter.core.internal.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Hostile bodies: each refused with its cause, never echoed; well-formed ones accepted. */
class JsonShapeTest {

  private static final JsonShape SHAPE = new JsonShape(JsonShape.Limits.DEFAULT);

  private static JsonShape.@Nullable Problem check(String body) {
    return check(body.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonShape.@Nullable Problem check(byte[] body) {
    return SHAPE.check(body, 0, body.length);
  }

  private static String cause(String body) {
    JsonShape.Problem p = check(body);
    return p == null ? "ok" : p.cause();
  }

  private static String cause(byte[] body) {
    JsonShape.Problem p = check(body);
    return p == null ? "ok" : p.cause();
  }

  @Test
  void wellFormedDocumentsPass() {
    for (String ok :
        new String[] {
          "{\"a\":1}", "[1,2,3]", "\"text\"", "42", "-0.5e10", "true", "null", " \n{ \"a\" : [ ] }\n ",
          "{\"a\":{\"a\":1}}", "{\"é\":\"日本\"}", "{\"a\":\"\\ud83d\\ude00\"}"
        }) {
      assertThat(check(ok)).as(ok).isNull();
    }
  }

  @Test
  void eachAttackHasItsCause() {
    assertThat(cause("")).isEqualTo("empty");
    assertThat(cause("   \n ")).isEqualTo("empty");
    assertThat(cause("{\"a\":1,\"a\":2}")).isEqualTo("duplicate-key");
    assertThat(cause("{\"x\":{\"a\":1,\"b\":2,\"a\":3}}")).isEqualTo("duplicate-key");
    assertThat(cause("{\"a\":1} x")).isEqualTo("trailing-content");
    assertThat(cause("{\"a\":1}{\"b\":2}")).isEqualTo("trailing-content");
    assertThat(cause("1 2")).isEqualTo("trailing-content");
    for (String bad :
        new String[] {
          "{\"a\":}", "{'a':1}", "{a:1}", "/* c */ {}", "{\"a\":NaN}", "[01]", "{\"a\":1", "[1,]",
          "{\"a\" 1}", "\"unterminated", "[\"\u0001\"]", "{\"a\":tru}"
        }) {
      assertThat(cause(bad)).as(bad).isEqualTo("malformed");
    }
  }

  @Test
  void invalidUtf8IsRefusedInValuesAndNames() {
    byte[][] bodies = {
      bytes("{\"a\":\"", 0xC3, 0x28, "\"}"), // a truncated two-byte sequence
      bytes("{\"a\":\"", 0xC0, 0xAF, "\"}"), // an overlong encoding of '/'
      bytes("{\"a\":\"", 0xED, 0xA0, 0x80, "\"}"), // a UTF-8-encoded surrogate (refused from 2.21)
      bytes("{\"", 0xFF, "\":1}"), // in a name
      bytes("[\"ok\",\"", 0xF8, 0x88, 0x80, 0x80, 0x80, "\"]") // a five-byte form
    };
    for (byte[] body : bodies) {
      assertThat(cause(body)).as(new String(body, StandardCharsets.ISO_8859_1)).isEqualTo("invalid-utf8");
    }
  }

  @Test
  void limitsAreExplicit() {
    assertThat(cause("[".repeat(32) + "]".repeat(32))).isEqualTo("ok");
    assertThat(cause("[".repeat(33) + "]".repeat(33))).isEqualTo("too-deep");
    assertThat(cause("[".repeat(100_000))).as("depth is refused before the end").isEqualTo("too-deep");
    assertThat(cause("\"" + "x".repeat(256 * 1024 + 1) + "\"")).isEqualTo("too-large");
    assertThat(cause("{\"" + "n".repeat(257) + "\":1}")).isEqualTo("too-large");
    assertThat(cause("1" + "0".repeat(100))).isEqualTo("too-large");
    StringBuilder many = new StringBuilder("[");
    for (int i = 0; i < 100_001; i++) {
      many.append(i == 0 ? "" : ",").append('0');
    }
    assertThat(cause(many.append(']').toString())).isEqualTo("too-large");
    byte[] huge = new byte[(1 << 20) + 10];
    java.util.Arrays.fill(huge, (byte) ' ');
    huge[0] = '[';
    huge[huge.length - 1] = ']';
    assertThat(cause(huge)).as("the document length").isEqualTo("too-large");
  }

  @Test
  void problemsNameTheirPlaceButNeverTheInput() {
    JsonShape.Problem p =
        java.util.Objects.requireNonNull(check("{\n  \"secret-token-abc123\": oops\n}"));
    assertThat(p.cause()).isEqualTo("malformed");
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.column()).isPositive();
    assertThat(p.detail()).doesNotContain("secret").doesNotContain("oops").startsWith(
        "request body is not acceptable JSON (malformed) at line 2, column ");
  }

  @Test
  void otherEncodingsThanUtf8AreRefusedAtTheirFirstByte() {
    assertThat(cause("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE))).isEqualTo("invalid-utf8");
    assertThat(cause("[1]".getBytes(StandardCharsets.UTF_16BE))).isEqualTo("invalid-utf8");
    assertThat(cause(bytes(0xFF, 0xFE, "{", 0))).as("a UTF-16LE byte order mark").isEqualTo("invalid-utf8");
    assertThat(cause(bytes(0, 0, 0xFE, 0xFF))).as("a UTF-32BE byte order mark").isEqualTo("invalid-utf8");
    assertThat(cause(bytes("1", 0))).isEqualTo("invalid-utf8");
    JsonShape.Problem p = java.util.Objects.requireNonNull(check(bytes("[", 0, "1", 0, "]", 0)));
    assertThat(p.line()).isEqualTo(1);
    assertThat(p.column()).isEqualTo(2);
    assertThat(cause(bytes(0xEF, 0xBB, 0xBF, "[1]")))
        .as("a UTF-8 byte order mark is ignored")
        .isEqualTo("ok");
  }

  @Test
  void constraintProblemsNameTheirPlace() {
    for (String doc : new String[] {"[".repeat(33), "[\"" + "x".repeat(256 * 1024 + 1) + "\"]", " \n "}) {
      JsonShape.Problem p = java.util.Objects.requireNonNull(check(doc));
      assertThat(p.line()).as(p.cause()).isPositive();
      assertThat(p.column()).as(p.cause()).isPositive();
    }
  }

  @Test
  void theDocumentLimitCanBeSetAndInstancesAreShared() {
    assertThat(JsonShape.withMaxDocumentBytes(1 << 20).limits()).isEqualTo(JsonShape.Limits.DEFAULT);
    JsonShape small = JsonShape.withMaxDocumentBytes(1024);
    assertThat(small).isSameAs(JsonShape.withMaxDocumentBytes(1024));
    assertThat(small.limits().maxDepth()).isEqualTo(32);
    byte[] doc = ("[\"" + "x".repeat(2000) + "\"]").getBytes(StandardCharsets.UTF_8);
    assertThat(SHAPE.check(doc, 0, doc.length)).isNull();
    assertThat(java.util.Objects.requireNonNull(small.check(doc, 0, doc.length)).cause())
        .isEqualTo("too-large");
    for (int i = 0; i < 200; i++) {
      assertThat(JsonShape.withMaxDocumentBytes(10_000 + i).limits().maxDocumentBytes())
          .as("beyond the cache too")
          .isEqualTo(10_000 + i);
    }
  }

  @Provide
  Arbitrary<String> documents() {
    Arbitrary<String> leaf =
        Arbitraries.oneOf(
            Arbitraries.integers().map(String::valueOf),
            Arbitraries.strings().alpha().numeric().ofMaxLength(8).map(s -> "\"" + s + "\""),
            Arbitraries.of("true", "false", "null", "1.5e3"));
    return Arbitraries.recursive(
        () -> leaf,
        inner ->
            Arbitraries.oneOf(
                inner.list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]"),
                inner.list().ofMaxSize(4).map(l -> {
                  StringBuilder sb = new StringBuilder("{");
                  for (int i = 0; i < l.size(); i++) {
                    sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(l.get(i));
                  }
                  return sb.append('}').toString();
                })),
        0,
        6);
  }

  /** Any generated document within the limits passes; anything but whitespace after it never does. */
  @Property(tries = 500)
  void documentsPassAndTrailingContentNever(
      @ForAll("documents") String doc, @ForAll @IntRange(min = 33, max = 126) int trailing) {
    assertThat(check(doc)).as(doc).isNull();
    assertThat(check(doc + " " + (char) trailing)).as(doc + " + " + (char) trailing).isNotNull();
  }

  /** Depth is refused exactly above the limit, for arrays and objects alike. */
  @Property(tries = 100)
  void depthLimitIsExact(@ForAll @IntRange(min = 1, max = 64) int depth, @ForAll boolean objects) {
    String open = objects ? "{\"a\":" : "[";
    String close = objects ? "}" : "]";
    String doc = open.repeat(depth - 1) + (objects ? "{}" : "[]") + close.repeat(depth - 1);
    assertThat(cause(doc)).isEqualTo(depth <= 32 ? "ok" : "too-deep");
  }

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      } else {
        out.write((Integer) part);
      }
    }
    return out.toByteArray();
  }
}
