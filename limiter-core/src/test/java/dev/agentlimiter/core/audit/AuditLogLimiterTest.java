package dev.agentlimiter.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The audit log as the limiter's listener, through the HTTP entry: what the engine really tells it
 * (request ids, client addresses, the credential guard's refusal) comes out as documented, and the API key
 * the requests carried never does.
 */
class AuditLogLimiterTest {

  static final String KEY = "ak_live_4f9c2e7b1a8d6053c9e1";

  private static final Policy API =
      Policy.named("api").limit(Limit.capacity(1).refill(1).per(Duration.ofMinutes(1)).named("burst")).build();

  @Test
  void realRequestsMakeTheDocumentedLines() {
    try (AuditFixture audit = new AuditFixture(b -> b.logAdmissions(true))) {
      AtomicLong nanos = new AtomicLong();
      AgentLimiter limiter =
          AgentLimiters.newBuilder()
              .identity(
                  IdentityResolvers.apiKeys(
                      InMemoryApiKeyStore.create()
                          .add(KEY, new AgentIdentity("agent-7", "free", Set.of(), IdentitySource.API_KEY))))
              .credentialFailureLimit(Limit.capacity(2).refill(1).per(Duration.ofMinutes(10)))
              .timeSource(nanos::get)
              .wallClock(audit.clock)
              .listener(audit.log)
              .build();
      Route route = Route.of(API);

      assertThat(send(limiter, route, "Bearer " + KEY, "req-1")).isTrue();
      assertThat(send(limiter, route, "Bearer " + KEY, "req-2")).isFalse(); // the burst is spent
      for (int i = 0; i < 3; i++) { // two wrong keys are checked and refused; the third is not checked
        assertThat(send(limiter, route, "Bearer ak_live_wrong-key-number-" + i, "bad-" + i)).isFalse();
      }
      List<Map<String, Object>> lines = audit.flushed();
      assertThat(lines).hasSize(4); // the second wrong key folds into the first's window

      assertThat(lines.get(0))
          .containsEntry("event.outcome", "success")
          .containsEntry("agentlimiter.reason", "ALLOWED")
          .containsEntry("http.request.id", "req-1")
          .containsEntry("http.request.method", "GET")
          .doesNotContainKey("http.response.status_code") // the adapter flow tells it; admit() alone cannot
          .containsEntry("url.path", "/v1/orders/42")
          .containsEntry("client.address", "192.0.2.7")
          .containsEntry("user.id", "agent-7")
          .containsEntry("agentlimiter.identity_source", "API_KEY")
          .containsEntry("@timestamp", "2026-11-23T10:15:30.250Z");
      assertThat(lines.get(1))
          .containsEntry("event.outcome", "failure")
          .containsEntry("agentlimiter.reason", "RATE_LIMITED")
          .containsEntry("agentlimiter.retry_after_seconds", 60L)
          .containsEntry("http.response.status_code", 429L)
          .containsEntry("http.request.id", "req-2");
      assertThat(lines.get(2))
          .containsEntry("event.category", List.of("authentication"))
          .containsEntry("agentlimiter.reason", "UNAUTHENTICATED")
          .containsEntry("http.response.status_code", 401L)
          .containsEntry("user.id", "ip:192.0.2.7");
      assertThat(lines.get(3))
          .containsEntry("event.category", List.of("authentication"))
          .containsEntry("agentlimiter.reason", "RATE_LIMITED")
          .containsEntry("agentlimiter.cause", "credential-failures-exhausted")
          .containsEntry("http.response.status_code", 429L);
      for (String line : audit.lines.raw()) {
        assertThat(line).doesNotContain(KEY, "wrong-key", "Bearer");
      }
    }
  }

  /** Sends one GET; completes an admitted request with 200. */
  private static boolean send(AgentLimiter limiter, Route route, String authorization, String requestId) {
    try (Admission a = limiter.admit(new Get(authorization, requestId), route)) {
      if (a.decision().isAllowed()) {
        a.complete(Outcome.ofStatus(200));
        return true;
      }
      return false;
    }
  }

  private record Get(String authorization, String requestId) implements RequestView {
    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String path() {
      return "/v1/orders/42";
    }

    @Override
    public @Nullable String header(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "authorization" -> authorization;
        case "x-request-id" -> requestId;
        default -> null;
      };
    }

    @Override
    public List<String> headers(String name) {
      String value = header(name);
      return value == null ? List.of() : List.of(value);
    }

    @Override
    public String remoteAddress() {
      return "192.0.2.7";
    }

    @Override
    public Optional<Principal> principal() {
      return Optional.empty();
    }
  }
}
