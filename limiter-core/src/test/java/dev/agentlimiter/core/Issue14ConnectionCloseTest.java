package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.HttpResponses;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 10: a {@code LOOP_DETECTED} refusal of a 24-byte JSON POST, whose body the engine had read
 * for the fingerprint, carried {@code Connection: close}, as if the body were left unread. Now the admission
 * says whether the body was read to its end ({@link Admission#bodyReadToEnd()}), and {@link
 * HttpResponses#leavesBodyUnread} asks for {@code Connection: close} only when body bytes remain.
 */
class Issue14ConnectionCloseTest {

  private static final String KEY = "ak_loop_5a7c9e1b3d0f2468ace1";
  private static final byte[] SMALL = "{\"task\":\"keep me alive\"}".getBytes(StandardCharsets.UTF_8);

  private static final Policy TASKS =
      Policy.named("tasks")
          .limit(Limit.capacity(1000).refill(1000).per(Duration.ofMinutes(1)))
          .loopDetection(LoopDetection.after(3).within(Duration.ofMinutes(1)))
          .build();
  private static final Route LOOPS = Route.of(TASKS);
  private static final Route JSON =
      Route.builder()
          .policy(Policy.named("json").limit(Limit.capacity(1000).refill(1000).per(Duration.ofMinutes(1))).build())
          .rules(RequestRules.builder().allowContentType("application/json").maxBodyBytes(100).json().build())
          .build();

  private final AgentLimiter limiter =
      AgentLimiters.newBuilder()
          .timeSource(new FakeTimeSource())
          .identity(
              IdentityResolvers.apiKeys(
                  InMemoryApiKeyStore.create().add(KEY, AgentIdentity.of("agent-loop", IdentitySource.API_KEY))))
          .build();

  private static HttpRequestStub.Builder post(byte[] body) {
    return HttpRequestStub.post("/tasks")
        .header("Authorization", "Bearer " + KEY)
        .header("Content-Type", "application/json")
        .body(body);
  }

  /** Enters {@code request} until the engine refuses it (at most 10 times), and answers the refusal. */
  private Admission refusedLoop(HttpRequestStub.Builder request) {
    for (int i = 0; i < 10; i++) {
      Admission admission = limiter.admit(request.build(), LOOPS);
      admission.close();
      if (!admission.decision().isAllowed()) {
        return admission;
      }
    }
    throw new AssertionError("never refused");
  }

  private static boolean closes(Admission refused, HttpRequestStub request) {
    long length = request.header("Content-Length") == null ? -1 : Long.parseLong(request.header("Content-Length"));
    return HttpResponses.leavesBodyUnread(refused, length, request.header("Transfer-Encoding"));
  }

  @Test
  void aLoopRefusalOfASmallBodyReadToItsEndKeepsTheConnection() {
    HttpRequestStub.Builder request = post(SMALL).header("Content-Length", Integer.toString(SMALL.length));
    assertThat(SMALL).hasSize(24);
    Admission refused = refusedLoop(request);
    assertThat(refused.decision().reason()).isEqualTo(Reason.LOOP_DETECTED);
    assertThat(refused.bodyReadToEnd()).isTrue();
    assertThat(closes(refused, request.build())).isFalse();
    assertThat(HttpResponses.refusalHeaders(refused.decision(), "api", closes(refused, request.build())))
        .extracting(Map.Entry::getKey)
        .doesNotContain("Connection");
  }

  @Test
  void aChunkedSmallBodyReadToItsEndKeepsTheConnection() {
    HttpRequestStub.Builder request = post(SMALL).header("Transfer-Encoding", "chunked");
    Admission refused = refusedLoop(request);
    assertThat(refused.bodyReadToEnd()).as("the stream ended").isTrue();
    assertThat(closes(refused, request.build())).isFalse();
  }

  @Test
  void aBodyLargerThanTheFingerprintPrefixIsLeftPartlyUnreadAndCloses() {
    byte[] large = new byte[RequestFingerprint.DEFAULT_BODY_PREFIX_BYTES + 1000];
    Arrays.fill(large, (byte) 'a');
    HttpRequestStub.Builder request = post(large).header("Content-Length", Integer.toString(large.length));
    Admission refused = refusedLoop(request);
    assertThat(refused.decision().reason()).isEqualTo(Reason.LOOP_DETECTED);
    assertThat(refused.bodyReadToEnd()).isFalse();
    assertThat(closes(refused, request.build())).isTrue();
    assertThat(HttpResponses.refusalHeaders(refused.decision(), "api", true).get(0))
        .isEqualTo(Map.entry("Connection", "close"));
  }

  @Test
  void aBodyOfExactlyThePrefixIsReadToItsEndOnlyIfItsLengthWasDeclared() {
    byte[] prefix = new byte[RequestFingerprint.DEFAULT_BODY_PREFIX_BYTES];
    Arrays.fill(prefix, (byte) 'b');
    HttpRequestStub.Builder declared = post(prefix).header("Content-Length", Integer.toString(prefix.length));
    assertThat(refusedLoop(declared).bodyReadToEnd()).as("all the declared bytes were read").isTrue();
    // chunked: the prefix was read, but not the end of the stream, so more may follow
    HttpRequestStub.Builder chunked = post(prefix).header("Transfer-Encoding", "chunked");
    Admission refused = refusedLoop(chunked);
    assertThat(refused.bodyReadToEnd()).isFalse();
    assertThat(closes(refused, chunked.build())).isTrue();
  }

  @Test
  void aRefusalBeforeTheBodyIsReadClosesWhenABodyWasDeclared() {
    HttpRequestStub unauthenticated =
        HttpRequestStub.post("/tasks").header("Content-Length", "24").body(SMALL).build();
    Admission refused = limiter.admit(unauthenticated, LOOPS);
    assertThat(refused.decision().reason()).isEqualTo(Reason.UNAUTHENTICATED);
    assertThat(refused.bodyReadToEnd()).isFalse();
    assertThat(unauthenticated.bodyOpens()).isZero();
    assertThat(closes(refused, unauthenticated)).isTrue();
    // no body declared: nothing to leave unread
    HttpRequestStub get = HttpRequestStub.get("/tasks").build();
    assertThat(closes(limiter.admit(get, LOOPS), get)).isFalse();
    HttpRequestStub empty = HttpRequestStub.post("/tasks").header("Content-Length", "0").build();
    assertThat(closes(limiter.admit(empty, LOOPS), empty)).isFalse();
  }

  @Test
  void bodyRefusalsKnowWhatTheyRead() {
    // malformed JSON within the limit: read to its end, refused, the connection kept
    byte[] malformed = "{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8);
    HttpRequestStub bad =
        post(malformed).header("Content-Length", Integer.toString(malformed.length)).build();
    Admission invalid = limiter.admit(bad, JSON);
    assertThat(invalid.decision().cause()).contains("malformed-json.duplicate-key");
    assertThat(invalid.bodyReadToEnd()).isTrue();
    assertThat(closes(invalid, bad)).isFalse();
    // the admission now holds what was read, so an adapter in shadow mode, which passes a refused request on,
    // replays it whole (before, the application got the container's stream after the engine's reads)
    assertThat(invalid.replayBody()).hasValueSatisfying(replay -> assertThat(replay).hasBinaryContent(malformed));
    // over the limit, undeclared: the limit plus one byte read, the rest left
    byte[] big = new byte[500];
    Arrays.fill(big, (byte) ' ');
    HttpRequestStub tooLarge = post(big).header("Transfer-Encoding", "chunked").build();
    Admission refused = limiter.admit(tooLarge, JSON);
    assertThat(refused.decision().cause()).contains(Decision.CAUSE_BODY_TOO_LARGE);
    assertThat(refused.bodyReadToEnd()).isFalse();
    assertThat(closes(refused, tooLarge)).isTrue();
  }

  @Test
  void anAdmissionThatCannotTellSaysNo() {
    Admission direct = limiter.enter(AgentRequest.of(AgentIdentity.of("agent-loop", IdentitySource.API_KEY), TASKS));
    direct.close();
    assertThat(direct.bodyReadToEnd()).isFalse();
  }
}
