package dev.agentlimiter.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Secrets never reach a line. Events carry none by construction; these tests put a fake API key and a signed
 * JWT where a careless adapter or a hostile agent could: in the agent id, the path, the route, the request
 * id, the client address and a detector event, and grep every line written.
 */
class AuditLogSecretsTest {

  static final String API_KEY = "ak_live_4f9c2e7b1a8d6053c9e1";
  static final String JWT = jwt("{\"sub\":\"agent-7\",\"scope\":\"orders:write\",\"exp\":1893456000}");

  /** A compact HS256 JWT, really signed. */
  static String jwt(String payload) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
            + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      byte[] secret = "test-secret-test-secret-test-secret!".getBytes(StandardCharsets.UTF_8);
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return signingInput + "." + b64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** Every fragment of a secret that must not appear: the key, and each of the JWT's three segments. */
  private static List<String> fragments() {
    int first = JWT.indexOf('.');
    int second = JWT.indexOf('.', first + 1);
    return List.of(
        API_KEY, JWT.substring(0, first), JWT.substring(first + 1, second), JWT.substring(second + 1), "Bearer",
        "bearer", "Basic ");
  }

  private static void assertClean(List<String> lines) {
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      for (String secret : fragments()) {
        assertThat(line).as("line %s", line).doesNotContain(secret);
      }
      CapturedLines.flat(line); // and still JSON
    }
  }

  @Test
  void credentialsInEveryStringFieldAreRedacted() {
    try (AuditFixture audit = new AuditFixture(b -> b.logAdmissions(true))) {
      audit.log.onDecision(Events.refusal("Bearer " + API_KEY).build());
      audit.log.onDecision(Events.refusal(JWT).build());
      audit.log.onDecision(Events.refusal().path("/v1/keys/Bearer " + API_KEY).build());
      audit.log.onDecision(Events.refusal().path("/v1/keys/bearer%20" + API_KEY).build());
      audit.log.onDecision(Events.refusal().path("/v1/tokens/" + JWT + "/x").build());
      audit.log.onDecision(Events.refusal().path("/v1/basic/Basic dXNlcjpwYXNzd29yZA==").build());
      audit.log.onDecision(Events.refusal("agent-8").route("/v1/" + JWT).build());
      audit.log.onDecision(Events.refusal("agent-9").clientAddress("Bearer " + API_KEY).build());
      audit.log.onDecision(Events.refusal("agent-10").cause("Bearer " + API_KEY).build());
      audit.log.onDecision(
          Events.refusal().agent(new AgentIdentity("agent-11", JWT, Set.of(), IdentitySource.JWT)).build());
      audit.log.onDecision(Events.refusal("agent-12").policies(List.of(JWT)).lanes(List.of(JWT)).build());
      audit.log.onDecision(Events.admission().method("Bearer " + API_KEY).build());
      audit.log.onEvent(new LimiterEvent.QuarantineReleased(JWT, "Bearer " + API_KEY));
      audit.log.onEvent(new LimiterEvent.PermitReclaimed("Bearer " + API_KEY, JWT, Duration.ofSeconds(31)));
      audit.clock.advance(Duration.ofSeconds(10));
      List<Map<String, Object>> parsed = audit.flushed();
      assertClean(audit.lines.raw());
      assertThat(parsed).anyMatch(l -> "[redacted]".equals(l.get("user.id")));
      assertThat(parsed).anyMatch(l -> "[redacted]".equals(l.get("url.path")));
      assertThat(parsed).anyMatch(l -> "[redacted]".equals(l.get("agentlimiter.route")));
      assertThat(parsed).anyMatch(l -> l.containsKey("agentlimiter.suppressed")); // fold lines are clean too
    }
  }

  @Test
  void aJwtIsRedactedEvenWhereTheTruncationCutsIt() {
    try (AuditFixture audit = new AuditFixture(b -> b.foldWindow(Duration.ZERO))) {
      for (int at = 200; at < SafeText.MAX_CHARS; at++) {
        audit.log.onDecision(Events.refusal().path("/" + "a".repeat(at - 1) + JWT).build());
      }
      assertThat(audit.flushed()).hasSize(SafeText.MAX_CHARS - 200);
      assertClean(audit.lines.raw());
    }
  }

  @Test
  void aRequestIdIsKeptOnlyIfItIsShortAndPlain() {
    String[] refused = {
      "", "has space", "quote\"", "<script>", "a".repeat(129), "id\n", "caf\u00e9", JWT, "eyJhbGciOiJIUzI1NiJ9"
    };
    String[] kept = {"4bf92f3577b34da6a3ce929d0e0e4736", "req-1.2:3_4", "a".repeat(128)};
    try (AuditFixture audit = new AuditFixture(b -> b.foldWindow(Duration.ZERO))) {
      for (String id : refused) {
        audit.log.onDecision(Events.refusal().requestId(id).build());
      }
      for (String id : kept) {
        audit.log.onDecision(Events.refusal().requestId(id).build());
      }
      List<Map<String, Object>> lines = audit.flushed();
      assertThat(lines).hasSize(refused.length + kept.length);
      for (int i = 0; i < refused.length; i++) {
        assertThat(lines.get(i)).as(refused[i]).doesNotContainKey("http.request.id").containsKey("http.request.method");
      }
      for (int i = 0; i < kept.length; i++) {
        assertThat(lines.get(refused.length + i)).containsEntry("http.request.id", kept[i]);
      }
    }
  }

  @Test
  void aHugeValueIsCutTo256Characters() {
    try (AuditFixture audit = new AuditFixture()) {
      audit.log.onDecision(Events.refusal("x".repeat(1_000_000)).path("/" + "\ud83d\ude00".repeat(200)).build());
      Map<String, Object> line = audit.only();
      assertThat((String) line.get("user.id")).hasSize(256).endsWith("x\u2026");
      String path = (String) java.util.Objects.requireNonNull(line.get("url.path"));
      assertThat(path.length()).isLessThanOrEqualTo(256);
      assertThat(path).endsWith("\ud83d\ude00\u2026"); // never half a pair
      assertThat(audit.lines.raw().get(0).length()).isLessThan(4_000);
    }
  }

  @Test
  void loneSurrogatesBecomeReplacementCharacters() {
    assertThat(SafeText.clean("a\ud800b\udc00c\ud83d")).isEqualTo("a\ufffdb\ufffdc\ufffd");
    assertThat(SafeText.clean("\ud83d\ude00")).isEqualTo("\ud83d\ude00");
  }
}
