package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.ApiKeyHash;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.Grammar;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.core.http.HttpResponses;
import dev.agentlimiter.core.identity.FileApiKeyStore;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: every place that accepts a name, a scope or a tier accepts exactly what {@link Grammar} accepts,
 * so a value one of them takes is never refused by another (a policy name the admin endpoint cannot
 * reset, a scope a route can require but the admin endpoint cannot).
 */
class Issue15GrammarAgreementProperties {

  private static final String ADMIN_KEY = "adm_7f3c9e1b5a2d48f6b0c4";
  private static final Limit LIMIT = Limit.capacity(1).refill(1).per(Duration.ofSeconds(1));
  private static final Policy A = Policy.named("a").limit(LIMIT).build();
  private static final Policy B = Policy.named("b").limit(LIMIT).build();

  private static final AgentLimiter LIMITER = AgentLimiters.newBuilder().policy(A).build();
  private static final AdminEndpoint ADMIN =
      AdminEndpoint.builder(LIMITER)
          .identity(
              IdentityResolvers.apiKeys(
                  InMemoryApiKeyStore.create()
                      .add(
                          ADMIN_KEY,
                          new AgentIdentity(
                              "ops", "default", Set.of(AdminEndpoint.DEFAULT_SCOPE), IdentitySource.API_KEY))))
          .build();

  /** Each place that checks a name: whether it accepts {@code s}. */
  private static final Map<String, Predicate<String>> NAMES = new LinkedHashMap<>();

  /** Each place that checks a scope. */
  private static final Map<String, Predicate<String>> SCOPES = new LinkedHashMap<>();

  /** Each place that checks a tier. */
  private static final Map<String, Predicate<String>> TIERS = new LinkedHashMap<>();

  static {
    NAMES.put("Policy.named", s -> accepts(() -> Policy.named(s)));
    NAMES.put("Limit.named", s -> accepts(() -> LIMIT.named(s)));
    NAMES.put("Policy.Builder.lane", s -> accepts(() -> Policy.named("p").lane(s)));
    NAMES.put("Budget.named", s -> accepts(() -> Budget.named(s)));
    NAMES.put("HttpResponses.checkRealm", s -> accepts(() -> HttpResponses.checkRealm(s)));
    NAMES.put("admin endpoint: release's lane", s -> admin("release", "lane", s) != 400);
    NAMES.put("admin endpoint: reset's policy", s -> admin("reset", "policy", s) != 400);

    SCOPES.put("Route.Builder.requireScope", s -> accepts(() -> Route.builder().requireScope(s)));
    SCOPES.put(
        "AdminEndpoint.Builder.requiredScope", s -> accepts(() -> AdminEndpoint.builder(LIMITER).requiredScope(s)));

    TIERS.put("AgentIdentity", s -> accepts(() -> new AgentIdentity("agent-1", s, Set.of(), IdentitySource.API_KEY)));
    TIERS.put(
        "AgentIdentity.withTier", s -> accepts(() -> AgentIdentity.of("agent-1", IdentitySource.JWT).withTier(s)));
    TIERS.put(
        "AgentLimiters.Builder.tierOverride", s -> accepts(() -> AgentLimiters.newBuilder().tierOverride(s, A, B)));
  }

  private static boolean accepts(Runnable check) {
    try {
      check.run();
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The status of an admin POST to agent-1's {@code resource} with one query parameter, percent-encoded. */
  private static int admin(String resource, String parameter, String value) {
    HttpRequestStub request =
        HttpRequestStub.builder()
            .method("POST")
            .path(AdminEndpoint.DEFAULT_BASE_PATH + "/agents/api_key/agent-1/" + resource)
            .query(parameter + "=" + percentEncoded(value))
            .header("Authorization", "Bearer " + ADMIN_KEY)
            .build();
    return ADMIN.handle(request).status();
  }

  private static String percentEncoded(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", (int) c));
      }
    }
    return out.toString();
  }

  /** Characters of every grammar, their ASCII neighbours, and what no grammar takes. */
  private static final String EDGES =
      "aZz09._-~!#[]{}:/+=@^`|%&"
          + " \t\n\r\u000b\u001c\u001f\u0000\u007f\"\\'"
          + "\u00a0\u2007\u2028\u3000\u00e9\u0130\u212a\ud83d\ude00";

  @Provide
  Arbitrary<String> nearEdges() {
    Arbitrary<Character> chars =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.chars().with("abcXYZ019._-")),
            Tuple.of(3, Arbitraries.chars().with(EDGES)),
            Tuple.of(1, Arbitraries.chars()));
    Arbitrary<Integer> lengths =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.integers().between(0, 12)),
            Tuple.of(3, Arbitraries.of(63, 64, 65, 127, 128, 129)),
            Tuple.of(1, Arbitraries.integers().between(0, 200)));
    return lengths.flatMap(n -> chars.list().ofSize(n).map(Issue15GrammarAgreementProperties::join));
  }

  private static String join(List<Character> chars) {
    StringBuilder b = new StringBuilder(chars.size());
    chars.forEach(b::append);
    return b.toString();
  }

  @Property(tries = 1500)
  void everyPlaceThatChecksANameAgreesWithTheGrammar(@ForAll("nearEdges") String s) {
    boolean grammar = Grammar.isName(s);
    NAMES.forEach((place, check) -> assertThat(check.test(s)).as("%s of '%s'", place, s).isEqualTo(grammar));
  }

  @Property(tries = 1500)
  void everyPlaceThatChecksAScopeAgreesWithTheGrammar(@ForAll("nearEdges") String s) {
    boolean grammar = Grammar.isScope(s);
    SCOPES.forEach((place, check) -> assertThat(check.test(s)).as("%s of '%s'", place, s).isEqualTo(grammar));
  }

  @Property(tries = 1500)
  void everyPlaceThatChecksATierAgreesWithTheGrammar(@ForAll("nearEdges") String s) {
    boolean grammar = Grammar.isTier(s);
    TIERS.forEach((place, check) -> assertThat(check.test(s)).as("%s of '%s'", place, s).isEqualTo(grammar));
  }

  /**
   * A key file's {@code tier=} option, for every tier a key file can spell (one field: no space, tab, line
   * break or comment sign; encodable as UTF-8).
   */
  @Property(tries = 300)
  void aKeyFilesTierAgreesWithTheGrammar(@ForAll("nearEdges") String s) throws IOException {
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(s) || s.chars().anyMatch(c -> " \t\r\n#".indexOf(c) >= 0)) {
      return;
    }
    assertThat(keyFileAccepts("tier=" + s)).as("key file tier '%s'", s).isEqualTo(Grammar.isTier(s));
  }

  @Test
  void theExamplesAtEachEdge() throws IOException {
    for (String name : List.of("a", "A.b_c-9", "x".repeat(64))) {
      NAMES.forEach((place, check) -> assertThat(check.test(name)).as("%s of '%s'", place, name).isTrue());
    }
    for (String name : List.of("", "x".repeat(65), "a b", "a\"b", "a:b", "a/b", "é", "a\r\nb")) {
      NAMES.forEach((place, check) -> assertThat(check.test(name)).as("%s of '%s'", place, name).isFalse());
    }
    for (String scope : List.of("dns:write", "!#[]~", "x".repeat(128))) {
      SCOPES.forEach((place, check) -> assertThat(check.test(scope)).as("%s of '%s'", place, scope).isTrue());
    }
    for (String scope : List.of("", "x".repeat(129), "a b", "a\"b", "a\\b", "é", "a\u007f")) {
      SCOPES.forEach((place, check) -> assertThat(check.test(scope)).as("%s of '%s'", place, scope).isFalse());
    }
    for (String tier : List.of("pro", "Pro Plan", "é", "x".repeat(300))) {
      TIERS.forEach((place, check) -> assertThat(check.test(tier)).as("%s of '%s'", place, tier).isTrue());
    }
    for (String tier : List.of("", " ", "\t\n", "\u000b", "\u2028", "\u3000")) {
      TIERS.forEach((place, check) -> assertThat(check.test(tier)).as("%s of '%s'", place, tier).isFalse());
    }
    assertThat(keyFileAccepts("tier=pro")).isTrue();
    assertThat(keyFileAccepts("tier=")).isFalse();
    assertThat(keyFileAccepts("tier=\u000b")).isFalse();
  }

  private static boolean keyFileAccepts(String option) throws IOException {
    Path file = Files.createTempFile("keys", ".txt");
    try {
      Files.writeString(file, ApiKeyHash.of("ak_live_4f9c2e7b1a8d6053c9e1").hex() + " agent-7 " + option + "\n");
      FileApiKeyStore.load(file);
      return true;
    } catch (FileApiKeyStore.KeyFileException e) {
      return false;
    } finally {
      Files.delete(file);
    }
  }
}
