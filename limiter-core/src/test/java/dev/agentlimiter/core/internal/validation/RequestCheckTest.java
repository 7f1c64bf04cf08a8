package dev.agentlimiter.core.internal.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.core.HttpRequestStub;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each rule of {@link RequestCheck}, each refusal with its exact cause, and the replay of what was read. */
@Timeout(60)
class RequestCheckTest {

  private static final RequestRules JSON =
      RequestRules.builder().allowContentType("application/json").json().build();

  private static String cause(@Nullable Decision decision) {
    if (decision == null) {
      return "ok";
    }
    assertThat(decision.reason()).isEqualTo(Reason.INVALID_REQUEST);
    return decision.cause().orElse("none");
  }

  private static String detail(@Nullable Decision decision) {
    return Objects.requireNonNull(decision, "decision").detail().orElse("");
  }

  private static String headers(RequestRules rules, HttpRequestStub.Builder request) {
    return cause(RequestCheck.checkHeaders(rules, request.build()));
  }

  private static RequestCheck.BodyRead read(RequestRules rules, HttpRequestStub request) {
    return RequestCheck.readBody(rules, request, 0);
  }

  private static String bodyCause(RequestRules rules, byte[] body) {
    return cause(read(rules, HttpRequestStub.post("/").body(body).build()).refusal());
  }

  private static String bodyCause(RequestRules rules, String body) {
    return bodyCause(rules, body.getBytes(StandardCharsets.UTF_8));
  }

  private static RequestRules limit(long bytes) {
    return RequestRules.builder().maxBodyBytes(bytes).build();
  }

  private static RequestRules jsonLimit(long bytes) {
    return RequestRules.builder().maxBodyBytes(bytes).json().build();
  }

  private static byte[] filled(int length, char c) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, (byte) c);
    return bytes;
  }

  @Nested
  class RequiredHeaders {
    private final RequestRules rules =
        RequestRules.builder().requireHeader("X-Task-Id").requireHeader("x-agent-run").build();

    @Test
    void presentHeadersPassWhateverTheirCase() {
      assertThat(headers(rules, HttpRequestStub.get("/").header("x-task-id", "1").header("X-AGENT-RUN", "r")))
          .isEqualTo("ok");
      assertThat(headers(rules, HttpRequestStub.get("/").header("X-Task-ID", "").header("x-agent-run", "r")))
          .as("an empty value is present")
          .isEqualTo("ok");
    }

    @Test
    void anAbsentHeaderIsNamedByTheRule() {
      Decision d =
          RequestCheck.checkHeaders(
              rules, HttpRequestStub.get("/").header("X-Agent-Run", "secret-run-value").build());
      assertThat(cause(d)).isEqualTo(Decision.CAUSE_MISSING_HEADER);
      assertThat(detail(d)).isEqualTo("required header 'x-task-id' is missing");
      Decision both = RequestCheck.checkHeaders(rules, HttpRequestStub.get("/").build());
      assertThat(detail(both))
          .as("the first missing header in sorted order, whatever the set's order")
          .isEqualTo("required header 'x-agent-run' is missing");
    }

    @Test
    void noRulesPassAnything() {
      assertThat(headers(RequestRules.none(), HttpRequestStub.post("/").header("Content-Length", "zzz")))
          .isEqualTo("ok");
    }
  }

  @Nested
  class ContentTypes {

    private String type(String... values) {
      return headers(JSON, HttpRequestStub.post("/").headers("Content-Type", values));
    }

    @Test
    void acceptedTypesInAnyCaseWithParameters() {
      assertThat(type("application/json")).isEqualTo("ok");
      assertThat(type("application/json; charset=utf-8")).isEqualTo("ok");
      assertThat(type("APPLICATION/JSON;CHARSET=UTF-8")).isEqualTo("ok");
      assertThat(type("Application/Json ; charset=\"UTF-8\"")).isEqualTo("ok");
      assertThat(type("application/json;v=2 ;\tq=\"a;b,c\\\"\" ; ;")).isEqualTo("ok");
      assertThat(type("  application/json  ")).isEqualTo("ok");
    }

    @Test
    void otherTypesListsAndGarbageAreRefused() {
      for (String bad :
          new String[] {
            "text/plain",
            "application/json, text/plain",
            "application/json,application/json",
            "application/jsonx",
            "application/*",
            "application",
            "application/",
            "/json",
            "application /json",
            "application/ json",
            "application/json charset=utf-8",
            "application/json; charset",
            "application/json; charset=",
            "application/json; charset=\"utf-8",
            "application/json; =utf-8",
            "application/json; char set=utf-8",
            "application/json\r\nX-Injected: 1",
            "application/json\u0000",
            "applicatión/json",
            ""
          }) {
        assertThat(type(bad)).as(bad).isEqualTo(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE);
      }
    }

    @Test
    void twoContentTypeHeadersAreRefusedEvenIfBothAreAccepted() {
      assertThat(type("application/json", "application/json"))
          .isEqualTo(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE);
    }

    @Test
    void jsonMustBeUtf8() {
      assertThat(type("application/json; charset=utf-16")).isEqualTo(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE);
      assertThat(type("application/json; charset=\"iso-8859-1\""))
          .isEqualTo(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE);
      assertThat(type("application/json; charset=utf-8; charset=utf-16"))
          .isEqualTo(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE);
      RequestRules text = RequestRules.builder().allowContentType("text/plain").build();
      assertThat(
              headers(text, HttpRequestStub.post("/").header("Content-Type", "text/plain; charset=utf-16")))
          .as("only JSON fixes the charset")
          .isEqualTo("ok");
    }

    @Test
    void aMissingTypeIsRefusedOnlyWhenThereIsABody() {
      assertThat(headers(JSON, HttpRequestStub.get("/"))).isEqualTo("ok");
      assertThat(headers(JSON, HttpRequestStub.post("/").header("Content-Length", "0"))).isEqualTo("ok");
      assertThat(headers(JSON, HttpRequestStub.post("/").header("Content-Length", "5")))
          .isEqualTo(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE);
      assertThat(headers(JSON, HttpRequestStub.post("/").header("Transfer-Encoding", "chunked")))
          .isEqualTo(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE);
      Decision d =
          RequestCheck.checkHeaders(JSON, HttpRequestStub.post("/").header("Content-Length", "5").build());
      assertThat(detail(d)).isEqualTo("content type is missing; accepted: application/json");
    }

    @Test
    void detailListsTheRulesTypesNeverTheRequests() {
      RequestRules two =
          RequestRules.builder().allowContentType("text/plain").allowContentType("application/json").build();
      Decision d =
          RequestCheck.checkHeaders(
              two, HttpRequestStub.post("/").header("Content-Type", "text/secret-evil").build());
      assertThat(detail(d))
          .isEqualTo("content type is not accepted; accepted: application/json, text/plain")
          .doesNotContain("evil");
    }

    @Test
    void aLongListOfTypesIsCutToTheDetailLimit() {
      RequestRules.Builder many = RequestRules.builder();
      for (int i = 0; i < 20; i++) {
        many.allowContentType("application/vnd.example-" + "x".repeat(40) + i);
      }
      Decision d =
          RequestCheck.checkHeaders(
              many.build(), HttpRequestStub.post("/").header("Content-Type", "text/plain").build());
      assertThat(detail(d)).hasSizeLessThanOrEqualTo(Decision.MAX_DETAIL_LENGTH).endsWith(", ...");
    }
  }

  @Nested
  class ContentLength {
    private final RequestRules rules = limit(100);

    private String length(String... values) {
      return headers(rules, HttpRequestStub.post("/").headers("Content-Length", values));
    }

    @Test
    void aDeclaredLengthAboveTheLimitIsRefusedWithoutReading() {
      HttpRequestStub request = HttpRequestStub.post("/").header("Content-Length", "101").build();
      Decision d = RequestCheck.checkHeaders(rules, request);
      assertThat(cause(d)).isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
      assertThat(detail(d)).isEqualTo("request body exceeds the limit of 100 bytes");
      assertThat(request.bodyOpens()).isZero();
      assertThat(length("100")).isEqualTo("ok");
      assertThat(length("99")).isEqualTo("ok");
      assertThat(length("0")).isEqualTo("ok");
      assertThat(length("000000000000000000000000100")).as("leading zeros").isEqualTo("ok");
      assertThat(length("100", "100")).as("identical values stand for one").isEqualTo("ok");
      assertThat(length("100, 100")).isEqualTo("ok");
      assertThat(length("999999999999999999")).isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
    }

    @Test
    void malformedLengthsAreRefused() {
      for (String bad :
          new String[] {
            "abc", "-1", "+5", "1.0", "", " ", "0x10", "1 0", "10,", ",10", "99999999999999999999", "１０"
          }) {
        assertThat(length(bad)).as(bad).isEqualTo(RequestCheck.CAUSE_MALFORMED_CONTENT_LENGTH);
      }
      assertThat(length("5", "6")).isEqualTo(RequestCheck.CAUSE_MALFORMED_CONTENT_LENGTH);
      assertThat(length("5, 6")).isEqualTo(RequestCheck.CAUSE_MALFORMED_CONTENT_LENGTH);
      Decision d =
          RequestCheck.checkHeaders(
              rules, HttpRequestStub.post("/").header("Content-Length", "evil").build());
      assertThat(detail(d)).isEqualTo("content-length is malformed");
    }

    @Test
    void lengthIsNotCheckedWithoutALimit() {
      RequestRules headersOnly = RequestRules.builder().requireHeader("x-a").build();
      HttpRequestStub.Builder request =
          HttpRequestStub.post("/").header("x-a", "1").header("Content-Length", "x");
      assertThat(headers(headersOnly, request))
          .isEqualTo("ok");
    }
  }

  @Nested
  class BodySize {

    @Test
    void theLimitIsExact() {
      RequestRules rules = limit(100);
      assertThat(bodyCause(rules, filled(0, 'a'))).isEqualTo("ok");
      assertThat(bodyCause(rules, filled(99, 'a'))).isEqualTo("ok");
      assertThat(bodyCause(rules, filled(100, 'a'))).isEqualTo("ok");
      assertThat(bodyCause(rules, filled(101, 'a'))).isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
      assertThat(bodyCause(limit(0), filled(0, 'a'))).isEqualTo("ok");
      assertThat(bodyCause(limit(0), filled(1, 'a'))).isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
      RequestCheck.BodyRead r = read(rules, HttpRequestStub.post("/").body(filled(101, 'a')).build());
      assertThat(detail(r.refusal())).isEqualTo("request body exceeds the limit of 100 bytes");
    }

    @Test
    void aHugeBodyIsPulledOnlyToTheLimitPlusOne() {
      long limit = 1 << 20;
      CountingStream stream = new CountingStream(100L << 20);
      RequestCheck.BodyRead r =
          read(limit(limit), HttpRequestStub.post("/").bodyStream(stream).build());
      assertThat(cause(r.refusal())).isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
      assertThat(stream.pulled).isEqualTo(limit + 1);
      assertThat(r.length()).isEqualTo(limit + 1);
      assertThat(r.bytes().length).isLessThanOrEqualTo((int) limit + 1);
      assertThat(stream.closed).as("not drained, not closed").isFalse();
    }

    @Test
    void chunkedBodiesWithoutLengthAreReadAndCounted() {
      byte[] body = filled(5000, 'c');
      HttpRequestStub ok =
          HttpRequestStub.post("/").header("Transfer-Encoding", "chunked").body(body).build();
      RequestCheck.BodyRead r = read(limit(5000), ok);
      assertThat(r.refusal()).isNull();
      assertThat(Arrays.copyOf(r.bytes(), r.length())).isEqualTo(body);
      CountingStream stream = new CountingStream(1L << 30);
      RequestCheck.BodyRead big =
          read(
              limit(5000),
              HttpRequestStub.post("/").header("Transfer-Encoding", "chunked").bodyStream(stream).build());
      assertThat(cause(big.refusal())).isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
      assertThat(stream.pulled).isEqualTo(5001);
    }

    @Test
    void aLyingContentLengthIsNotBelieved() {
      CountingStream stream = new CountingStream(10L << 20);
      HttpRequestStub request =
          HttpRequestStub.post("/").header("Content-Length", "10").bodyStream(stream).build();
      RequestRules rules = limit(1000);
      assertThat(RequestCheck.checkHeaders(rules, request)).isNull();
      RequestCheck.BodyRead r = read(rules, request);
      assertThat(cause(r.refusal())).isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
      assertThat(stream.pulled).isEqualTo(1001);
    }

    @Test
    void theBufferGrowsWithTheBytesNotWithTheLimitOrTheDeclaredLength() {
      RequestRules huge = limit(RequestRules.MAX_BODY_BYTES);
      RequestCheck.BodyRead small = read(huge, HttpRequestStub.post("/").body("{}").build());
      assertThat(small.length()).isEqualTo(2);
      assertThat(small.bytes().length).isLessThanOrEqualTo(8 * 1024);
      HttpRequestStub liar =
          HttpRequestStub.post("/")
              .header("Content-Length", String.valueOf(RequestRules.MAX_BODY_BYTES))
              .body("{}")
              .build();
      assertThat(read(huge, liar).bytes().length).isLessThanOrEqualTo(64 * 1024);
      HttpRequestStub exact = HttpRequestStub.post("/").bodyWithLength(filled(3000, 'e')).build();
      assertThat(read(huge, exact).bytes().length).as("a true length is the whole buffer").isEqualTo(3000);
      byte[] big = filled(3 << 20, 'b');
      RequestCheck.BodyRead grown = read(huge, HttpRequestStub.post("/").body(big).build());
      assertThat(grown.length()).isEqualTo(big.length);
      assertThat(grown.bytes().length).isLessThan(2 * big.length);
    }

    @Test
    void aFailingStreamIsAnUnreadableBody() {
      HttpRequestStub failsMidway =
          HttpRequestStub.post("/").bodyStream(new FailingStream(filled(300, 'f'), false)).build();
      RequestCheck.BodyRead r = read(limit(1000), failsMidway);
      assertThat(cause(r.refusal())).isEqualTo(Decision.CAUSE_UNREADABLE_BODY);
      assertThat(detail(r.refusal())).isEqualTo("request body could not be read");
      HttpRequestStub unchecked =
          HttpRequestStub.post("/").bodyStream(new FailingStream(filled(300, 'f'), true)).build();
      assertThat(cause(read(limit(1000), unchecked).refusal())).isEqualTo(Decision.CAUSE_UNREADABLE_BODY);
      HttpRequestStub cannotOpen =
          HttpRequestStub.post("/")
              .body(
                  () -> {
                    throw new IOException("connection reset");
                  })
              .build();
      RequestCheck.BodyRead closed = read(limit(1000), cannotOpen);
      assertThat(cause(closed.refusal())).isEqualTo(Decision.CAUSE_UNREADABLE_BODY);
      assertThat(cause(RequestCheck.readBody(RequestRules.none(), cannotOpen, 16).refusal()))
          .as("also when only the fingerprint reads it")
          .isEqualTo(Decision.CAUSE_UNREADABLE_BODY);
    }

    @Test
    void aStreamThatReturnsZeroDoesNotSpin() {
      byte[] body = filled(100, 'z');
      InputStream zeroes =
          new java.io.ByteArrayInputStream(body) {
            private boolean zero;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
              zero = !zero;
              return zero ? 0 : super.read(b, off, Math.min(len, 7));
            }
          };
      RequestCheck.BodyRead r = read(limit(100), HttpRequestStub.post("/").bodyStream(zeroes).build());
      assertThat(r.refusal()).isNull();
      assertThat(Arrays.copyOf(r.bytes(), r.length())).isEqualTo(body);
    }
  }

  @Nested
  class Json {
    private final RequestRules rules = jsonLimit(16L << 20);

    private String json(String body) {
      return bodyCause(rules, body);
    }

    private String json(byte[] body) {
      return bodyCause(rules, body);
    }

    @Test
    void wellFormedAndEmptyBodiesPass() {
      assertThat(json("{\"a\":[1,2,{\"b\":null}],\"c\":\"日本\"}")).isEqualTo("ok");
      assertThat(json("")).as("no body: nothing to parse").isEqualTo("ok");
      assertThat(json(" \n")).isEqualTo("malformed-json.empty");
    }

    @Test
    void depthIsLimitedTo32() {
      assertThat(json("[".repeat(32) + "]".repeat(32))).isEqualTo("ok");
      assertThat(json("[".repeat(33) + "]".repeat(33))).isEqualTo("malformed-json.too-deep");
      assertThat(json("{\"a\":".repeat(33) + "1" + "}".repeat(33))).isEqualTo("malformed-json.too-deep");
    }

    @Test
    void hugeValuesAreRefused() {
      assertThat(json("{\"a\":\"" + "x".repeat(10 << 20) + "\"}")).isEqualTo("malformed-json.too-large");
      assertThat(json("[" + "1".repeat(1000) + "]")).isEqualTo("malformed-json.too-large");
      assertThat(json("{\"" + "k".repeat(10_000) + "\":1}")).isEqualTo("malformed-json.too-large");
    }

    @Test
    void theDocumentLimitFollowsTheRule() {
      StringBuilder doc = new StringBuilder("[");
      for (int i = 0; i < 6; i++) {
        doc.append(i == 0 ? "" : ",").append('"').append("s".repeat(200_000)).append('"');
      }
      String body = doc.append(']').toString();
      assertThat(body.length()).isGreaterThan(1 << 20);
      assertThat(bodyCause(jsonLimit(2L << 20), body)).as("above Jackson's default 1 MiB").isEqualTo("ok");
      assertThat(bodyCause(RequestRules.builder().json().build(), body))
          .as("the default JSON body limit")
          .isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
      assertThat(JsonShape.withMaxDocumentBytes(2L << 20).limits().maxDocumentBytes()).isEqualTo(2L << 20);
      assertThat(JsonShape.withMaxDocumentBytes(2L << 20)).isSameAs(JsonShape.withMaxDocumentBytes(2L << 20));
    }

    @Test
    void duplicateKeysAreRefusedAtEveryLevel() {
      assertThat(json("{\"a\":1,\"a\":2}")).isEqualTo("malformed-json.duplicate-key");
      assertThat(json("{\"x\":{\"y\":[{\"a\":1,\"b\":2,\"a\":3}]}}"))
          .isEqualTo("malformed-json.duplicate-key");
      assertThat(json("{\"a\":{\"a\":1}}")).as("same name, different objects").isEqualTo("ok");
    }

    @Test
    void truncatedDocumentsAreMalformed() {
      for (String bad :
          new String[] {"{", "{\"a\":1", "[1,2", "{\"a\":", "\"abc", "tru", "{\"a\":[1,{}", "-"}) {
        assertThat(json(bad)).as(bad).isEqualTo(Decision.CAUSE_MALFORMED_JSON);
      }
    }

    @Test
    void invalidUtf8IsRefused() {
      assertThat(json(bytes("{\"a\":\"", 0xC3, 0x28, "\"}"))).isEqualTo("malformed-json.invalid-utf8");
      assertThat(json(bytes("{\"a\":\"", 0xC0, 0xAF, "\"}"))).isEqualTo("malformed-json.invalid-utf8");
      assertThat(json(bytes("{\"a\":\"", 0xED, 0xA0, 0x80, "\"}"))).isEqualTo("malformed-json.invalid-utf8");
      assertThat(json(bytes("{\"", 0xFF, "\":1}"))).isEqualTo("malformed-json.invalid-utf8");
    }

    @Test
    void otherEncodingsAreRefusedAndAUtf8ByteOrderMarkIsIgnored() {
      assertThat(json("{\"a\":1}".getBytes(StandardCharsets.UTF_16LE)))
          .isEqualTo("malformed-json.invalid-utf8");
      assertThat(json("{\"a\":1}".getBytes(StandardCharsets.UTF_16BE)))
          .isEqualTo("malformed-json.invalid-utf8");
      assertThat(json("{\"a\":1}".getBytes(StandardCharsets.UTF_16))).as("with a BOM").isEqualTo(
          "malformed-json.invalid-utf8");
      assertThat(json(bytes(0, 0, 0, "1"))).as("UTF-32BE").isEqualTo("malformed-json.invalid-utf8");
      assertThat(json(bytes(0xEF, 0xBB, 0xBF, "{\"a\":1}"))).isEqualTo("ok");
      assertThat(json(bytes("{\"a\":1}", 0xEF, 0xBB, 0xBF))).isEqualTo("malformed-json.trailing-content");
    }

    @Test
    void trailingContentIsRefused() {
      assertThat(json("{\"a\":1} x")).isEqualTo("malformed-json.trailing-content");
      assertThat(json("{}{}")).isEqualTo("malformed-json.trailing-content");
      assertThat(json("[1]]")).isEqualTo("malformed-json.trailing-content");
    }

    @Test
    void problemsNameLineAndColumnButNeverTheInput() {
      String[] attacks = {
        "{\n\"secret-1\":1,\n\"secret-1\":2}",
        "{\n  \"secret\": oops-secret\n}",
        "{\"secret\":1}\nsecret",
        "[".repeat(40) + "\"secret\"",
        "{\"secret\":\"" + "x".repeat(300_000) + "\"}"
      };
      for (String attack : attacks) {
        RequestCheck.BodyRead r =
            read(rules, HttpRequestStub.post("/").body(attack).build());
        assertThat(detail(r.refusal()))
            .as(attack.substring(0, Math.min(40, attack.length())))
            .startsWith("request body is not acceptable JSON (")
            .containsPattern(" at line [1-9][0-9]*, column [1-9][0-9]*$")
            .doesNotContain("secret")
            .doesNotContain("oops");
      }
      RequestCheck.BodyRead dup =
          read(rules, HttpRequestStub.post("/").body("{\n\"a\":1,\n\"a\":2}").build());
      assertThat(detail(dup.refusal())).startsWith(
          "request body is not acceptable JSON (duplicate-key) at line 3, column ");
    }

    @Test
    void utf8InvalidBytesNameTheirPlace() {
      RequestCheck.BodyRead r =
          read(rules, HttpRequestStub.post("/").body(bytes("{\"a\":\"", 0xC3, 0x28, "\"}")).build());
      assertThat(detail(r.refusal())).containsPattern(" at line 1, column [1-9][0-9]*$");
      RequestCheck.BodyRead utf16 =
          read(rules, HttpRequestStub.post("/").body("{}".getBytes(StandardCharsets.UTF_16LE)).build());
      assertThat(detail(utf16.refusal())).endsWith(" at line 1, column 2");
    }
  }

  @Nested
  class Replay {

    @Test
    void theApplicationReadsExactlyTheOriginalBytes() throws IOException {
      byte[] body = bytes("{\"a\":\"", 0xE6, 0x97, 0xA5, "\"}");
      RequestCheck.BodyRead r = read(JSON, HttpRequestStub.post("/").body(body).build());
      assertThat(r.refusal()).isNull();
      assertThat(r.opened()).isTrue();
      assertThat(r.replay().readAllBytes()).isEqualTo(body);
      for (int size : new int[] {0, 1, 8191, 8192, 8193, 70_000}) {
        byte[] random = random(size, size);
        RequestCheck.BodyRead any = read(limit(70_000), HttpRequestStub.post("/").body(random).build());
        assertThat(any.replay().readAllBytes()).as("size %d", size).isEqualTo(random);
      }
    }

    @Test
    void aFingerprintPrefixIsReadAndTheRestStreams() throws IOException {
      byte[] body = random(1 << 20, 7);
      CountingStream counting = new CountingStream(0);
      HttpRequestStub request =
          HttpRequestStub.post("/")
              .bodyStream(new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(body), counting))
              .build();
      RequestCheck.BodyRead r = RequestCheck.readBody(RequestRules.none(), request, 64);
      assertThat(r.refusal()).isNull();
      assertThat(r.length()).isEqualTo(64);
      assertThat(r.bytes().length).isLessThanOrEqualTo(64);
      assertThat(Arrays.copyOf(r.bytes(), r.length())).isEqualTo(Arrays.copyOf(body, 64));
      assertThat(r.replay().readAllBytes()).isEqualTo(body);
      byte[] shortBody = random(10, 3);
      RequestCheck.BodyRead whole =
          RequestCheck.readBody(RequestRules.none(), HttpRequestStub.post("/").body(shortBody).build(), 64);
      assertThat(whole.length()).isEqualTo(10);
      assertThat(whole.replay().readAllBytes()).isEqualTo(shortBody);
    }

    @Test
    void noPrefixAndNoRulesNeverOpenTheBody() throws IOException {
      byte[] body = random(5000, 1);
      HttpRequestStub request = HttpRequestStub.post("/").body(body).build();
      RequestRules headersOnly =
          RequestRules.builder().requireHeader("x-a").allowContentType("text/plain").build();
      RequestCheck.BodyRead r = RequestCheck.readBody(headersOnly, request, 0);
      assertThat(r.refusal()).isNull();
      assertThat(r.opened()).isFalse();
      assertThat(r.length()).isZero();
      assertThat(request.bodyOpens()).isZero();
      assertThat(r.replay().readAllBytes()).as("opened on first use").isEqualTo(body);
      assertThat(request.bodyOpens()).isEqualTo(1);
    }

    @Test
    void aRefusedBodyStillReplaysWhole() throws IOException {
      byte[] body = random(300, 9);
      RequestCheck.BodyRead r = read(limit(100), HttpRequestStub.post("/").body(body).build());
      assertThat(cause(r.refusal())).isEqualTo(Decision.CAUSE_BODY_TOO_LARGE);
      assertThat(r.length()).isEqualTo(101);
      assertThat(r.replay().readAllBytes()).isEqualTo(body);
    }
  }

  static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new java.util.Random(seed).nextBytes(bytes);
    return bytes;
  }

  static byte[] bytes(Object... parts) {
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

  /** {@code size} bytes of {@code 'x'}, generated on demand; counts what was pulled. */
  static final class CountingStream extends InputStream {
    private final long size;
    long pulled;
    boolean closed;

    CountingStream(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      if (pulled >= size) {
        return -1;
      }
      pulled++;
      return 'x';
    }

    @Override
    public int read(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      int n = (int) Math.min(len, size - pulled);
      if (n <= 0) {
        return -1;
      }
      Arrays.fill(b, off, off + n, (byte) 'x');
      pulled += n;
      return n;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** Gives its bytes, then fails: with an {@link IOException}, or an unchecked one. */
  static final class FailingStream extends InputStream {
    private final byte[] bytes;
    private final boolean unchecked;
    private int position;

    FailingStream(byte[] bytes, boolean unchecked) {
      this.bytes = bytes;
      this.unchecked = unchecked;
    }

    @Override
    public int read() throws IOException {
      if (position < bytes.length) {
        return bytes[position++] & 0xFF;
      }
      throw fail();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (position < bytes.length) {
        int n = Math.min(Math.min(len, 50), bytes.length - position);
        System.arraycopy(bytes, position, b, off, n);
        position += n;
        return n;
      }
      throw fail();
    }

    private IOException fail() {
      IOException e = new IOException("connection reset by peer");
      if (unchecked) {
        throw new UncheckedIOException(e);
      }
      return e;
    }
  }
}
