package dev.agentlimiter.core.internal.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.core.HttpRequestStub;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.jspecify.annotations.Nullable;

/** {@link RequestCheck} never throws, enforces the body limit exactly, and replays exactly what it read. */
class RequestCheckProperties {

  private static final Set<String> HEADER_CAUSES =
      Set.of(
          Decision.CAUSE_MISSING_HEADER,
          Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE,
          Decision.CAUSE_BODY_TOO_LARGE,
          RequestCheck.CAUSE_MALFORMED_CONTENT_LENGTH);

  private static final Set<String> JSON_CAUSES =
      Set.of(
          Decision.CAUSE_MALFORMED_JSON,
          "malformed-json.duplicate-key",
          "malformed-json.invalid-utf8",
          "malformed-json.trailing-content",
          "malformed-json.too-deep",
          "malformed-json.too-large",
          "malformed-json.empty");

  private static final String MARKER = "\u2603SECRET";

  // --- (a) the body limit, over any chunking

  /** A body, a limit, and a seed for how the stream chunks it. */
  static final class Sized {
    private final int limit;
    private final byte[] body;
    private final long chunking;

    Sized(int limit, byte[] body, long chunking) {
      this.limit = limit;
      this.body = body;
      this.chunking = chunking;
    }

    int limit() {
      return limit;
    }

    byte[] body() {
      return body;
    }

    long chunking() {
      return chunking;
    }

    @Override
    public String toString() {
      return "Sized[limit=" + limit + ", body=" + body.length + " bytes, chunking=" + chunking + "]";
    }
  }

  @Provide
  Arbitrary<Sized> sized() {
    Arbitrary<Integer> limits =
        Arbitraries.integers().between(0, 64 * 1024).edgeCases(e -> e.includeOnly(0, 1, 8192, 65536));
    return limits.flatMap(
        limit -> {
          Arbitrary<Integer> lengths =
              Arbitraries.frequencyOf(
                  net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 3 * limit)),
                  net.jqwik.api.Tuple.of(
                      4, Arbitraries.of(limit - 1, limit, limit + 1).filter(n -> n >= 0)));
          return Combinators.combine(lengths, Arbitraries.longs())
              .as((length, seed) -> new Sized(limit, RequestCheckTest.random(length, seed), seed));
        });
  }

  /** Short, random reads; now and then none at all, as a stream that breaks the contract may. */
  static final class ChunkyStream extends InputStream {
    private final byte[] bytes;
    private final Random random;
    private int position;
    int pulled;

    ChunkyStream(byte[] bytes, long seed) {
      this.bytes = bytes;
      this.random = new Random(seed);
    }

    @Override
    public int read() {
      if (position >= bytes.length) {
        return -1;
      }
      pulled++;
      return bytes[position++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (position >= bytes.length) {
        return -1;
      }
      if (random.nextInt(20) == 0) {
        return 0;
      }
      int chunk = 1 + random.nextInt(random.nextBoolean() ? 16 : 20_000);
      int n = Math.min(Math.min(len, chunk), bytes.length - position);
      System.arraycopy(bytes, position, b, off, n);
      position += n;
      pulled += n;
      return n;
    }
  }

  @Property(tries = 300)
  void theLimitIsExactAndTheReplayIsTheBody(@ForAll("sized") Sized c, @ForAll boolean declareLength)
      throws IOException {
    ChunkyStream stream = new ChunkyStream(c.body(), c.chunking());
    HttpRequestStub.Builder request = HttpRequestStub.post("/").bodyStream(stream);
    if (declareLength) {
      request.header("Content-Length", String.valueOf(c.body().length));
    }
    RequestCheck.BodyRead r =
        RequestCheck.readBody(RequestRules.builder().maxBodyBytes(c.limit()).build(), request.build(), 0);
    assertThat(stream.pulled).isLessThanOrEqualTo(c.limit() + 1);
    assertThat(r.bytes().length).isLessThanOrEqualTo(c.limit() + 1);
    if (c.body().length > c.limit()) {
      assertThat(cause(r.refusal())).isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
      assertThat(r.length()).isEqualTo(c.limit() + 1);
    } else {
      assertThat(r.refusal()).isNull();
      assertThat(Arrays.copyOf(r.bytes(), r.length())).isEqualTo(c.body());
    }
    assertThat(r.replay().readAllBytes()).isEqualTo(c.body());
  }

  @Property(tries = 200)
  void aFingerprintPrefixIsAPrefixAndTheReplayIsTheBody(
      @ForAll("sized") Sized c, @ForAll @IntRange(min = 1, max = 10_000) int prefix) throws IOException {
    ChunkyStream stream = new ChunkyStream(c.body(), c.chunking());
    RequestCheck.BodyRead r =
        RequestCheck.readBody(
            RequestRules.none(), HttpRequestStub.post("/").bodyStream(stream).build(), prefix);
    assertThat(r.refusal()).isNull();
    assertThat(r.length()).isEqualTo(Math.min(prefix, c.body().length));
    assertThat(stream.pulled).isEqualTo(r.length());
    assertThat(Arrays.copyOf(r.bytes(), r.length())).isEqualTo(Arrays.copyOf(c.body(), r.length()));
    assertThat(r.replay().readAllBytes()).isEqualTo(c.body());
  }

  // --- (b) arbitrary headers

  @Provide
  Arbitrary<String> headerNames() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "Content-Type", "content-type", "Content-Length", "CONTENT-LENGTH", "Transfer-Encoding",
            "X-Task-Id", "x-agent-run"),
        Arbitraries.strings().ofMaxLength(20));
  }

  @Provide
  Arbitrary<String> headerValues() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "application/json", "application/json; charset=utf-8", "text/plain", "0", "10", "100", "101",
            "chunked", "application/json; charset=\"", "9".repeat(100_000), "1, 1", "1,2"),
        Arbitraries.strings().ofMaxLength(40).map(s -> s + MARKER),
        Arbitraries.strings().withChars("\r\n\t ;,=\"\\/").ofMaxLength(30),
        Arbitraries.strings().all().ofMinLength(10_000).ofMaxLength(20_000).map(s -> MARKER + s));
  }

  @Provide
  Arbitrary<RequestRules> rules() {
    return Arbitraries.of(
        RequestRules.none(),
        RequestRules.builder().requireHeader("x-task-id").build(),
        RequestRules.builder().allowContentType("application/json").json().build(),
        RequestRules.builder()
            .requireHeader("x-agent-run")
            .allowContentType("application/json")
            .allowContentType("text/plain")
            .maxBodyBytes(100)
            .build(),
        RequestRules.builder().maxBodyBytes(0).build());
  }

  @Property(tries = 1000)
  void headersNeverThrowAndNeverEcho(
      @ForAll("rules") RequestRules rules,
      @ForAll @Size(max = 6) List<@From("headerNames") String> names,
      @ForAll @Size(max = 6) List<@From("headerValues") String> values) {
    HttpRequestStub.Builder request = HttpRequestStub.post("/");
    for (int i = 0; i < Math.min(names.size(), values.size()); i++) {
      request.header(names.get(i), values.get(i));
    }
    Decision d = RequestCheck.checkHeaders(rules, request.build());
    if (d != null) {
      assertThat(d.reason()).isEqualTo(Reason.INVALID_REQUEST);
      assertThat(d.cause()).hasValueSatisfying(cause -> assertThat(HEADER_CAUSES).contains(cause));
      assertThat(d.detail()).hasValueSatisfying(detail -> assertThat(detail).doesNotContain("SECRET"));
    }
  }

  // --- (c) JSON

  private static final RequestRules JSON = RequestRules.builder().json().build();

  private static RequestCheck.BodyRead json(byte[] body) {
    return RequestCheck.readBody(JSON, HttpRequestStub.post("/").body(body).build(), 0);
  }

  @Property(tries = 1000)
  void arbitraryBytesNeverThrow(@ForAll @Size(max = 300) byte[] body) {
    assertKnown(json(body).refusal());
  }

  @Property(tries = 300)
  void validDocumentsPass(@ForAll("documents") String doc) {
    RequestCheck.BodyRead r = json(doc.getBytes(StandardCharsets.UTF_8));
    assertThat(r.refusal()).as(doc).isNull();
  }

  @Property(tries = 1000)
  void mutatedDocumentsNeverThrow(
      @ForAll("documents") String doc,
      @ForAll @IntRange(min = 0, max = 2) int operation,
      @ForAll @IntRange(min = 0, max = 100_000) int where,
      @ForAll byte b) {
    byte[] bytes = doc.getBytes(StandardCharsets.UTF_8);
    int at = where % (bytes.length + 1);
    byte[] mutated;
    if (operation == 0 && at < bytes.length) { // flip
      mutated = bytes.clone();
      mutated[at] = (byte) (mutated[at] ^ (b == 0 ? 1 : b));
    } else if (operation == 1 || at == bytes.length) { // insert
      mutated = new byte[bytes.length + 1];
      System.arraycopy(bytes, 0, mutated, 0, at);
      mutated[at] = b;
      System.arraycopy(bytes, at, mutated, at + 1, bytes.length - at);
    } else { // delete
      mutated = new byte[bytes.length - 1];
      System.arraycopy(bytes, 0, mutated, 0, at);
      System.arraycopy(bytes, at + 1, mutated, at, bytes.length - at - 1);
    }
    assertKnown(json(mutated).refusal());
  }

  private static void assertKnown(@Nullable Decision d) {
    if (d != null) {
      assertThat(d.reason()).isEqualTo(Reason.INVALID_REQUEST);
      assertThat(d.cause()).hasValueSatisfying(cause -> assertThat(JSON_CAUSES).contains(cause));
      assertThat(d.detail()).hasValueSatisfying(detail -> assertThat(detail).matches(
          "request body is not acceptable JSON \\([a-z0-9-]+\\)( at line \\d+, column \\d+)?"));
    }
  }

  private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();

  /** Any text without lone surrogates (which do not survive UTF-8), quoted and escaped. */
  private static Arbitrary<String> text(int maxLength) {
    return Arbitraries.strings()
        .withCharRange('\u0000', '\uD7FF')
        .withCharRange('\uE000', '\uFFFF')
        .ofMaxLength(maxLength);
  }

  private static String quote(String s) {
    return "\"" + new String(ENCODER.quoteAsString(s)) + "\"";
  }

  @Provide
  Arbitrary<String> documents() {
    Arbitrary<String> leaf =
        Arbitraries.oneOf(
            text(12).map(RequestCheckProperties::quote),
            Arbitraries.longs().map(String::valueOf),
            Arbitraries.doubles().filter(Double::isFinite).map(String::valueOf),
            Arbitraries.bigDecimals()
                .between(java.math.BigDecimal.valueOf(-1e12), java.math.BigDecimal.valueOf(1e12))
                .ofScale(10).map(java.math.BigDecimal::toPlainString),
            Arbitraries.of("true", "false", "null", "0", "-0", "1e-7", "1E+300", "\"\\ud83d\\ude00\""));
    return Arbitraries.recursive(() -> leaf, this::container, 0, 10);
  }

  /** An array or object holding {@code inner} among leaves: deep, yet small. */
  private Arbitrary<String> container(Arbitrary<String> inner) {
    Arbitrary<String> leaves = Arbitraries.of("1", "\"s\"", "[]", "{}", "null");
    return Combinators.combine(
            inner,
            leaves.list().ofMaxSize(3),
            Arbitraries.integers().between(0, 3),
            Arbitraries.of(true, false),
            text(10).set().ofMinSize(4).ofMaxSize(4))
        .as(
            (deep, others, at, object, keySet) -> {
              List<String> values = new ArrayList<>(others);
              values.add(Math.min(at, values.size()), deep);
              List<String> keys = new ArrayList<>(keySet);
              StringBuilder sb = new StringBuilder(object ? "{" : "[");
              for (int i = 0; i < values.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                if (object) {
                  sb.append(quote(keys.get(i))).append(':');
                }
                sb.append(values.get(i));
              }
              return sb.append(object ? '}' : ']').toString();
            });
  }

  private static String cause(@Nullable Decision d) {
    return d == null ? "ok" : d.cause().orElse("none");
  }
}
