package dev.agentlimiter.servlet.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.StateInheritance;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.config.PolicyFileWatcher;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Annotations and a configuration over real HTTP, for any adapter: an endpoint annotated with {@code
 * @AgentPolicy("orders")} gets the configured policy with every defence it holds; a configuration applied
 * later (as a policy file would) overrides the policy an annotation spells, by its name, and a route of the
 * configuration wins over the annotated endpoint's route for the paths it matches. A subclass serves, with
 * anonymous callers allowed on annotated routes:
 *
 * <ul>
 *   <li>{@code GET /annotated}: {@code @AgentRateLimit(name = "l", capacity = 5, refill = 1, period =
 *       "PT1H")}, whose policy is named {@link #annotatedPolicy()};
 *   <li>{@code GET /named}: {@code @AgentPolicy("orders")};
 *   <li>{@code GET /plain}: no annotation.
 * </ul>
 *
 * Each answers 200 with body {@code ok}.
 */
public abstract class Issue16PrecedenceHttpSuite {

  /** Starts the adapter in front of the three endpoints, with anonymous callers allowed on annotated ones. */
  protected abstract RunningServer start(AgentLimiter limiter) throws Exception;

  /** The name the adapter gives the policy of {@code GET /annotated}'s annotation. */
  protected abstract String annotatedPolicy();

  private final HttpClient client = HttpClient.newHttpClient();

  private static Policy orders(long capacity) {
    return Policy.named("orders")
        .limit(Limit.capacity(capacity).refill(1).per(Duration.ofHours(1)).named("orders"))
        .concurrency(ConcurrencyLimit.of(10))
        .build();
  }

  private static Policy quarantining(long capacity) {
    return Policy.named("orders")
        .limit(Limit.capacity(capacity).refill(1).per(Duration.ofHours(1)).named("orders"))
        .concurrency(ConcurrencyLimit.of(10))
        .quarantine(Quarantine.after(1).within(Duration.ofMinutes(1)))
        .build();
  }

  private HttpResponse<String> get(RunningServer server, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(server.baseUri() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private List<Integer> statuses(RunningServer server, String path, int count) throws Exception {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(get(server, path).statusCode());
    }
    return out;
  }

  @Test
  void anAnnotationThatNamesAPolicyGetsTheConfiguredPolicyWithItsDefences() throws Exception {
    AgentLimiter limiter =
        AgentLimiters.newBuilder().policies(PolicySet.builder().policy(quarantining(2)).build()).build();
    try (RunningServer server = start(limiter)) {
      HttpResponse<String> first = get(server, "/named");
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.body()).isEqualTo("ok");
      assertThat(first.headers().firstValue("RateLimit-Policy").orElse(""))
          .contains("\"orders\";q=2;w=3600");
      HttpResponse<String> second = get(server, "/named");
      HttpResponse<String> third = get(server, "/named");
      assertThat(second.statusCode()).isEqualTo(200);
      assertThat(third.statusCode()).isEqualTo(429);
      assertThat(third.body()).contains("\"violated-policies\":[\"orders\"]");
      // the policy's quarantine, which no annotation can spell: past one tolerated refusal, the box
      HttpResponse<String> fourth = get(server, "/named");
      assertThat(fourth.statusCode()).isEqualTo(429);
      HttpResponse<String> fifth = get(server, "/named");
      assertThat(fifth.statusCode()).isEqualTo(429);
      assertThat(fourth.body() + fifth.body()).contains("\"reason\":\"QUARANTINED\"");
    }
  }

  @Test
  void aConfigurationAppliedLaterChangesTheNamedPolicyLive() throws Exception {
    AgentLimiter limiter =
        AgentLimiters.newBuilder().policies(PolicySet.builder().policy(orders(1)).build()).build();
    try (RunningServer server = start(limiter)) {
      assertThat(statuses(server, "/named", 2)).containsExactly(200, 429);
      limiter.admin().apply(
          PolicySet.builder().policy(orders(3)).inheritance(StateInheritance.PROPORTIONAL).build(), "file");
      // 0 of 1 is 0 of 3: still drained, as the rule says
      assertThat(get(server, "/named").statusCode()).isEqualTo(429);
      limiter.admin().apply(
          PolicySet.builder().policy(orders(4)).inheritance(StateInheritance.RESET).build(), "file");
      assertThat(statuses(server, "/named", 5)).containsExactly(200, 200, 200, 200, 429);
    }
  }

  @Test
  void aConfigurationOverridesTheAnnotationsPolicyByName() throws Exception {
    AgentLimiter limiter =
        AgentLimiters.newBuilder().policies(PolicySet.builder().policy(orders(5)).build()).build();
    try (RunningServer server = start(limiter)) {
      assertThat(get(server, "/annotated").headers().firstValue("RateLimit-Policy").orElse(""))
          .contains("q=5");
      Policy tighter =
          Policy.named(annotatedPolicy())
              .limit(Limit.capacity(2).refill(1).per(Duration.ofHours(1)).named("l"))
              .build();
      limiter.admin().apply(PolicySet.builder().policy(orders(5)).policy(tighter).build(), "file");
      HttpResponse<String> after = get(server, "/annotated");
      assertThat(after.headers().firstValue("RateLimit-Policy").orElse("")).contains("q=2");
      // one of five was spent: as-is capped at the new capacity, min(4, 2) = 2; this request took one
      assertThat(after.statusCode()).isEqualTo(200);
      assertThat(statuses(server, "/annotated", 2)).containsExactly(200, 429);

      limiter.admin().apply(PolicySet.builder().policy(orders(5)).build(), "file without it");
      HttpResponse<String> back = get(server, "/annotated");
      assertThat(back.headers().firstValue("RateLimit-Policy").orElse("")).contains("q=5");
      assertThat(back.statusCode()).isEqualTo(429); // the code's policy takes the drained bucket back over
    }
  }

  /** A policy file defining {@code orders}, and, if {@code withRoutes}, {@code file-route} on two paths. */
  private static String policyFile(boolean withRoutes) {
    String orders =
        """
        version: 1
        policies:
          orders:
            limits: [{ name: orders, capacity: 5, refill: 1, per: 1h }]
            concurrency: { maxInFlight: 10 }
        """;
    if (!withRoutes) {
      return orders;
    }
    return orders
        + """
          file-route:
            limits: [{ name: f, capacity: 1, refill: 1, per: 1h }]
        routes:
          - { method: GET, pattern: /plain, policies: [file-route], anonymous: true }
          - { method: GET, pattern: /annotated, policies: [file-route], anonymous: true }
        """;
  }

  @Test
  void aRouteOfThePolicyFileWinsOverTheAnnotatedRouteAndLimitsAPlainEndpoint(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("policies.yaml");
    Files.writeString(file, policyFile(false), StandardCharsets.UTF_8);
    AgentLimiter limiter = AgentLimiters.newBuilder().policyFile(file).build();
    try (RunningServer server = start(limiter);
        PolicyFileWatcher watcher = PolicyFileWatcher.start(file, limiter)) {
      assertThat(get(server, "/plain").headers().firstValue("RateLimit-Policy")).isEmpty();
      long before = limiter.admin().configuration().generation();
      Path tmp = dir.resolve("policies.yaml.tmp");
      Files.writeString(tmp, policyFile(true), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (limiter.admin().configuration().generation() == before) {
        assertThat(System.nanoTime() - deadline).as("the rewritten file was applied").isNegative();
        Thread.sleep(20);
      }
      HttpResponse<String> plain = get(server, "/plain");
      assertThat(plain.statusCode()).isEqualTo(200);
      assertThat(plain.headers().firstValue("RateLimit-Policy").orElse("")).contains("\"f\";q=1");
      assertThat(get(server, "/plain").statusCode()).isEqualTo(429);
      HttpResponse<String> annotated = get(server, "/annotated");
      assertThat(annotated.statusCode()).isEqualTo(429); // the same policy, the same agent: drained
      assertThat(annotated.body()).contains("\"violated-policies\":[\"file-route\"]");
      assertThat(watcher.origin()).isEqualTo(limiter.admin().configuration().origin());
    }
  }

  @Test
  void aConfigurationThatDropsAPolicyAnAnnotationNamesIsRefused() throws Exception {
    AgentLimiter limiter =
        AgentLimiters.newBuilder().build();
    limiter.admin().apply(PolicySet.builder().policy(orders(5)).build(), "file");
    try (RunningServer server = start(limiter)) {
      assertThat(get(server, "/named").statusCode()).isEqualTo(200);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> limiter.admin().apply(PolicySet.empty(), "file"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'orders'");
      assertThat(limiter.admin().configuration().generation()).isEqualTo(2);
      assertThat(get(server, "/named").statusCode()).isEqualTo(200);
    }
  }
}
