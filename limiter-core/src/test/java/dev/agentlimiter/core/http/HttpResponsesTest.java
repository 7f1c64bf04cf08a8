package dev.agentlimiter.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.internal.validation.JsonShape;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The HTTP contract of refusals and RateLimit fields, byte for byte. */
class HttpResponsesTest {

  private static final RateLimitStatus BURST =
      new RateLimitStatus("search", "burst", 20, Duration.ofSeconds(1), 0, Duration.ofMillis(1_900));
  private static final RateLimitStatus HOURLY =
      new RateLimitStatus("search", "hourly", 600, Duration.ofHours(1), 599, Duration.ofSeconds(6));

  private static String body(Decision d) {
    return new String(HttpResponses.problemBody(d), StandardCharsets.UTF_8);
  }

  /**
   * Invariant: any int a container reports as the status yields an outcome without throwing: the status's
   * own from 100 to 599 (success below 400, failure from 400), unknown otherwise.
   */
  @Property
  void everyStatusHasAnOutcomeAndOnlyHttpsOwnAreJudged(@ForAll int status) {
    Outcome outcome = Outcome.ofStatus(status);
    if (status >= 100 && status <= 599) {
      assertThat(outcome).isEqualTo(status < 400 ? Outcome.success() : Outcome.failure());
    } else {
      assertThat(outcome).isEqualTo(Outcome.unknown());
    }
  }

  @Test
  void aRateLimitedRefusal() {
    Decision d = Decision.denied(Reason.RATE_LIMITED, List.of(BURST, HOURLY), BURST, Duration.ofMillis(100));
    assertThat(HttpResponses.status(d)).isEqualTo(429);
    assertThat(HttpResponses.refusalHeaders(d, "api"))
        .containsExactly(
            Map.entry("Retry-After", "1"),
            Map.entry("RateLimit-Policy", "\"burst\";q=20;w=1, \"hourly\";q=600;w=3600"),
            Map.entry("RateLimit", "\"burst\";r=0;t=2, \"hourly\";r=599;t=6"));
    assertThat(body(d))
        .isEqualTo(
            "{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Too Many Requests\",\"status\":429,"
                + "\"detail\":\"limit 'burst' of policy 'search' is exhausted; retry after 1 s\","
                + "\"reason\":\"RATE_LIMITED\",\"violated-policies\":[\"search\"],\"retryAfter\":1}");
  }

  @Test
  void loopsAndQuarantinesAreAbnormalUsage() {
    Decision loop = Decision.denied(Reason.LOOP_DETECTED, "orders", Duration.ofSeconds(10));
    assertThat(body(loop))
        .isEqualTo(
            "{\"type\":\"https://iana.org/assignments/http-problem-types#abnormal-usage-detected\","
                + "\"title\":\"Request loop detected\",\"status\":429,"
                + "\"detail\":\"the same request was repeated too often under policy 'orders'; retry after 10 s\","
                + "\"reason\":\"LOOP_DETECTED\",\"violated-policies\":[\"orders\"],\"retryAfter\":10}");
    assertThat(HttpResponses.refusalHeaders(loop, "api")).containsExactly(Map.entry("Retry-After", "10"));
    Decision boxed = Decision.denied(Reason.QUARANTINED, "orders", Duration.ofMillis(59_001));
    assertThat(body(boxed)).contains("abnormal-usage-detected", "\"retryAfter\":60", "\"title\":\"Agent quarantined\"");
    Decision busy = Decision.denied(Reason.CONCURRENCY_LIMITED, "orders", Duration.ofMillis(1));
    assertThat(body(busy)).contains("quota-exceeded", "\"retryAfter\":1");
  }

  @Test
  void unauthenticatedNeverSaysWhy() {
    Decision expired = Decision.refused(Reason.UNAUTHENTICATED, "expired", "a valid credential is required");
    assertThat(HttpResponses.status(expired)).isEqualTo(401);
    assertThat(HttpResponses.refusalHeaders(expired, "dns-api"))
        .containsExactly(Map.entry("WWW-Authenticate", "Bearer realm=\"dns-api\", error=\"invalid_token\""));
    assertThat(body(expired))
        .isEqualTo(
            "{\"type\":\"https://agentlimiter.dev/problems/unauthenticated\",\"title\":\"Unauthorized\","
                + "\"status\":401,\"detail\":\"a valid credential is required\",\"reason\":\"UNAUTHENTICATED\","
                + "\"violated-policies\":[]}");
    Decision missing =
        Decision.refused(Reason.UNAUTHENTICATED, Decision.CAUSE_MISSING_CREDENTIAL, "a valid credential is required");
    assertThat(HttpResponses.refusalHeaders(missing, "dns-api"))
        .containsExactly(Map.entry("WWW-Authenticate", "Bearer realm=\"dns-api\""));
    // even a resolver's own detail is not shown for a 401
    Decision chatty = Decision.refused(Reason.UNAUTHENTICATED, "revoked", "key ak_live_x was revoked yesterday");
    assertThat(body(chatty)).doesNotContain("revoked").doesNotContain("ak_live");
  }

  @Test
  void invalidRequestsNameTheirCauseAndStatus() {
    Decision large = Decision.refused(Reason.INVALID_REQUEST, Decision.CAUSE_BODY_TOO_LARGE, "request body exceeds the limit of 65536 bytes");
    Decision type = Decision.refused(Reason.INVALID_REQUEST, Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE, "content type is not accepted; accepted: application/json");
    Decision json = Decision.refused(Reason.INVALID_REQUEST, "malformed-json.duplicate-key", "request body is not acceptable JSON (duplicate-key) at line 1, column 9");
    Decision scope = Decision.refused(Reason.FORBIDDEN, Decision.CAUSE_MISSING_SCOPE, "missing scope 'dns:write'");
    assertThat(List.of(large, type, json, scope)).extracting(HttpResponses::status).containsExactly(413, 415, 400, 403);
    assertThat(HttpResponses.refusalHeaders(large, "api", true)).containsExactly(Map.entry("Connection", "close"));
    assertThat(HttpResponses.refusalHeaders(large, "api", false)).isEmpty();
    assertThat(HttpResponses.checkRealm("dns-api")).isEqualTo("dns-api");
    assertThat(body(large))
        .isEqualTo(
            "{\"type\":\"https://agentlimiter.dev/problems/invalid-request\",\"title\":\"Content Too Large\","
                + "\"status\":413,\"detail\":\"request body exceeds the limit of 65536 bytes\","
                + "\"reason\":\"INVALID_REQUEST\",\"violated-policies\":[],\"cause\":\"body-too-large\"}");
    assertThat(body(scope)).contains("\"title\":\"Forbidden\"", "\"detail\":\"missing scope 'dns:write'\"", "\"cause\":\"missing-scope\"");
    assertThat(HttpResponses.refusalHeaders(scope, "api")).isEmpty();
    Decision cost = Decision.denied(Reason.INVALID_REQUEST, List.of(), null, Duration.ZERO);
    assertThat(HttpResponses.status(cost)).isEqualTo(400);
    assertThat(body(cost)).contains("its cost exceeds the capacity of a policy");
  }

  @Test
  void allowedResponsesCarryTheFieldsAndLimitNamesThatClashAreQualified() {
    RateLimitStatus other = new RateLimitStatus("egress", "burst", 5, Duration.ofMillis(1_500), 5, Duration.ZERO);
    Decision allowed = Decision.allowed(List.of(BURST, HOURLY, other));
    assertThat(HttpResponses.rateLimitPolicy(allowed))
        .isEqualTo("\"search.burst\";q=20;w=1, \"hourly\";q=600;w=3600, \"egress.burst\";q=5;w=2");
    assertThat(HttpResponses.rateLimit(allowed))
        .isEqualTo("\"search.burst\";r=0;t=2, \"hourly\";r=599;t=6, \"egress.burst\";r=5;t=0");
    assertThat(HttpResponses.rateLimitHeaders(allowed))
        .containsExactly(
            Map.entry("RateLimit-Policy", "\"search.burst\";q=20;w=1, \"hourly\";q=600;w=3600, \"egress.burst\";q=5;w=2"),
            Map.entry("RateLimit", "\"search.burst\";r=0;t=2, \"hourly\";r=599;t=6, \"egress.burst\";r=5;t=0"));
    assertThat(HttpResponses.rateLimitHeaders(Decision.allowed())).isEmpty();
    assertThat(HttpResponses.rateLimitPolicy(Decision.allowed())).isNull();
    assertThatThrownBy(() -> HttpResponses.status(allowed)).hasMessage("an admission has no refusal status");
    assertThatThrownBy(() -> HttpResponses.refusalHeaders(Decision.denied(Reason.LOOP_DETECTED, "p", Duration.ofSeconds(1)), "a b"))
        .hasMessage("realm may contain only letters, digits, '.', '_' and '-' but was 'a b'");
  }

  @Test
  void theUnavailableBody() {
    assertThat(new String(HttpResponses.unavailableBody(Duration.ofMillis(2_500)), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"type\":\"https://iana.org/assignments/http-problem-types#temporary-reduced-capacity\","
                + "\"title\":\"Service Unavailable\",\"status\":503,"
                + "\"detail\":\"the rate limiter cannot decide right now; retry later\",\"reason\":\"UNAVAILABLE\","
                + "\"violated-policies\":[],\"retryAfter\":3}");
    assertThat(HttpResponses.retryAfterSeconds(Duration.ZERO)).isEqualTo(1);
    assertThat(HttpResponses.unavailableHeaders(Duration.ofMillis(2_500))).containsExactly(Map.entry("Retry-After", "3"));
    assertThat(HttpResponses.unavailableHeaders(Duration.ofMillis(1))).containsExactly(Map.entry("Retry-After", "1"));
  }

  @Test
  void aBodyIsDeclaredByAPositiveLengthOrAnyTransferEncoding() {
    assertThat(HttpResponses.declaresBody(-1, null)).isFalse();
    assertThat(HttpResponses.declaresBody(0, null)).isFalse();
    assertThat(HttpResponses.declaresBody(1, null)).isTrue();
    assertThat(HttpResponses.declaresBody(-2, null)).as("a malformed length declares one").isTrue();
    assertThat(HttpResponses.declaresBody(-1, "chunked")).isTrue();
    assertThat(HttpResponses.declaresBody(0, "gzip, chunked")).isTrue();
  }

  // ---------------------------------------------------------------- properties

  private static final Pattern POLICY_FIELD =
      Pattern.compile("\"[A-Za-z0-9._-]+\";q=[1-9][0-9]*;w=[1-9][0-9]*(, \"[A-Za-z0-9._-]+\";q=[1-9][0-9]*;w=[1-9][0-9]*)*");
  private static final Pattern STATE_FIELD =
      Pattern.compile("\"[A-Za-z0-9._-]+\";r=[0-9]+;t=[0-9]+(, \"[A-Za-z0-9._-]+\";r=[0-9]+;t=[0-9]+)*");

  @Provide
  Arbitrary<RateLimitStatus> statuses() {
    Arbitrary<String> names = Arbitraries.strings().withChars("abAB09._-").ofMinLength(1).ofMaxLength(12);
    return Combinators.combine(
            names, Arbitraries.of("burst", "minute", "hourly"), Arbitraries.longs().between(1, Long.MAX_VALUE),
            Arbitraries.longs().between(1, 3_153_600_000_000_000_000L), Arbitraries.doubles().between(0, 1),
            Arbitraries.longs().between(0, 3_153_600_000_000_000_000L))
        .as((policy, limit, quota, windowNanos, fraction, resetNanos) ->
            new RateLimitStatus(policy, limit, quota, Duration.ofNanos(windowNanos), Math.min(quota, (long) (quota * fraction)), Duration.ofNanos(resetNanos)));
  }

  @Provide
  Arbitrary<Decision> decisions() {
    Arbitrary<List<RateLimitStatus>> lists = statuses().list().ofMaxSize(4);
    Arbitrary<Decision> allowed = lists.map(Decision::allowed);
    Arbitrary<Decision> limited =
        Combinators.combine(lists.filter(l -> !l.isEmpty()), Arbitraries.longs().between(1, Long.MAX_VALUE))
            .as((l, nanos) -> Decision.denied(Reason.RATE_LIMITED, l, l.get(0), Duration.ofNanos(nanos)));
    Arbitrary<Decision> defended =
        Combinators.combine(
                Arbitraries.of(Reason.LOOP_DETECTED, Reason.QUARANTINED, Reason.CONCURRENCY_LIMITED),
                Arbitraries.longs().between(1, Long.MAX_VALUE))
            .as((r, nanos) -> Decision.denied(r, "p", Duration.ofNanos(nanos)));
    Arbitrary<Decision> refused =
        Combinators.combine(
                Arbitraries.of(Reason.INVALID_REQUEST, Reason.UNAUTHENTICATED, Reason.FORBIDDEN),
                Arbitraries.strings().withChars("abz09.:_-").ofMinLength(1).ofMaxLength(64),
                Arbitraries.strings().ofMinLength(1).ofMaxLength(512)
                    .filter(s -> s.chars().noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                        || Character.getType(c) == Character.LINE_SEPARATOR || Character.getType(c) == Character.PARAGRAPH_SEPARATOR)))
            .as(Decision::refused);
    return Arbitraries.oneOf(allowed, limited, defended, refused);
  }

  /**
   * For any decision: the RateLimit fields have the draft-11 syntax, one item per limit; a refusal's body
   * is one well-formed JSON document by our own strict checker (no duplicate keys, valid UTF-8), its
   * status matches the table, Retry-After is a positive integer exactly for the retryable reasons, and a
   * 401 never carries its cause.
   */
  @Property(tries = 2_000)
  void theContractHoldsForAnyDecision(@ForAll("decisions") Decision d) {
    String policy = HttpResponses.rateLimitPolicy(d);
    String state = HttpResponses.rateLimit(d);
    if (d.limits().isEmpty()) {
      assertThat(policy).isNull();
      assertThat(state).isNull();
    } else {
      assertThat(policy).matches(POLICY_FIELD);
      assertThat(state).matches(STATE_FIELD);
      assertThat(java.util.Objects.requireNonNull(policy).split(", ")).hasSize(d.limits().size());
    }
    if (d.isAllowed()) {
      return;
    }
    int status = HttpResponses.status(d);
    assertThat(status).isIn(400, 401, 403, 413, 415, 429);
    byte[] body = HttpResponses.problemBody(d);
    assertThat(JsonShape.withMaxDocumentBytes(1 << 20).check(body, 0, body.length)).isNull();
    String text = new String(body, StandardCharsets.UTF_8);
    assertThat(text).contains("\"status\":" + status, "\"reason\":\"" + d.reason() + "\"");
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, String> h : HttpResponses.refusalHeaders(d, "api")) {
      names.add(h.getKey());
      assertThat(h.getValue()).doesNotContain("\r", "\n");
    }
    assertThat(names.contains("Retry-After")).isEqualTo(d.reason().isRetryable());
    if (d.reason().isRetryable()) {
      assertThat(Long.parseLong(HttpResponses.refusalHeaders(d, "api").get(0).getValue())).isPositive();
    }
    if (status == 401) {
      assertThat(text).doesNotContain("\"cause\"");
      assertThat(text).contains("\"detail\":\"a valid credential is required\"");
    }
  }

  // ---------------------------------------------------------------- the remembered field names

  /** The fields as the contract states them, computed from scratch: the reference for the cached path. */
  private static String[] reference(List<RateLimitStatus> limits) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    java.util.Set<String> clashing = new java.util.HashSet<>();
    for (RateLimitStatus s : limits) {
      if (!seen.add(s.limit())) {
        clashing.add(s.limit());
      }
    }
    List<String> policy = new ArrayList<>();
    List<String> state = new ArrayList<>();
    for (RateLimitStatus s : limits) {
      String name = "\"" + (clashing.contains(s.limit()) ? s.policy() + "." + s.limit() : s.limit()) + "\"";
      policy.add(name + ";q=" + s.quota() + ";w=" + s.windowSeconds());
      state.add(name + ";r=" + s.remaining() + ";t=" + s.resetSeconds());
    }
    return new String[] {String.join(", ", policy), String.join(", ", state)};
  }

  /** Few names and small numbers, so that lists collide in the table and share names. */
  @Provide
  Arbitrary<List<RateLimitStatus>> crowdedLimits() {
    Arbitrary<RateLimitStatus> one =
        Combinators.combine(
                Arbitraries.of("p", "q", "r"), Arbitraries.of("burst", "minute"), Arbitraries.longs().between(1, 4),
                Arbitraries.longs().between(1, 3), Arbitraries.longs().between(0, 4), Arbitraries.longs().between(0, 3))
            .as((policy, limit, quota, window, remaining, reset) ->
                new RateLimitStatus(policy, limit, quota, Duration.ofSeconds(window), Math.min(quota, remaining), Duration.ofSeconds(reset)));
    return one.list().ofMinSize(1).ofMaxSize(3);
  }

  /**
   * The remembered names never answer for other limits: for any sequence of limit sets (few names, small
   * numbers, so entries collide and are replaced), both fields equal the reference computed from scratch.
   */
  @Property(tries = 1_000)
  void rememberedFieldsEqualTheReference(@ForAll("crowdedLimits") List<RateLimitStatus> first,
      @ForAll("crowdedLimits") List<RateLimitStatus> second) {
    for (List<RateLimitStatus> limits : List.of(first, second, first)) {
      Decision d = Decision.allowed(limits);
      String[] expected = reference(limits);
      assertThat(HttpResponses.rateLimitPolicy(d)).isEqualTo(expected[0]);
      assertThat(HttpResponses.rateLimit(d)).isEqualTo(expected[1]);
      assertThat(HttpResponses.rateLimitHeaders(d))
          .containsExactly(Map.entry("RateLimit-Policy", expected[0]), Map.entry("RateLimit", expected[1]));
    }
  }

  /** Far more limit sets than the table has slots, from 8 threads at once: every answer is still exact. */
  @Test
  void theTableIsExactUnderConcurrentReplacement() throws Exception {
    int sets = HttpResponses.FieldNames.SLOTS * 8;
    List<List<RateLimitStatus>> all = new ArrayList<>();
    for (int i = 0; i < sets; i++) {
      all.add(List.of(
          new RateLimitStatus("policy-" + i, "burst", 1 + i % 7, Duration.ofSeconds(1 + i % 5), 0, Duration.ofSeconds(i % 3)),
          new RateLimitStatus("policy-" + i, "hourly", 100 + i, Duration.ofHours(1), i % 100, Duration.ZERO)));
    }
    List<String[]> expected = new ArrayList<>();
    for (List<RateLimitStatus> l : all) {
      expected.add(reference(l));
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int seed = t;
      results.add(pool.submit(() -> {
        start.await();
        int wrong = 0;
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int n = 0; n < 20_000; n++) {
          int i = random.nextInt(sets);
          Decision d = Decision.allowed(all.get(i));
          if (!expected.get(i)[0].equals(HttpResponses.rateLimitPolicy(d))
              || !expected.get(i)[1].equals(HttpResponses.rateLimit(d))) {
            wrong++;
          }
        }
        return wrong;
      }));
    }
    start.countDown();
    int wrong = 0;
    for (java.util.concurrent.Future<Integer> r : results) {
      wrong += r.get(60, java.util.concurrent.TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(wrong).isZero();
  }

  /**
   * Two limit sets that share a slot and differ in one thing only (the policy, the limit's name, its quota,
   * its window, or one more limit) are each answered with their own fields, in either order.
   */
  @Test
  void setsThatShareASlotAndDifferInOneFieldAreNeverConfused() {
    RateLimitStatus base = new RateLimitStatus("p", "burst", 5, Duration.ofSeconds(2), 1, Duration.ofSeconds(1));
    List<java.util.function.IntFunction<List<RateLimitStatus>>> variants = List.of(
        n -> List.of(new RateLimitStatus("p" + n, "burst", 5, Duration.ofSeconds(2), 1, Duration.ofSeconds(1))),
        n -> List.of(new RateLimitStatus("p", "burst" + n, 5, Duration.ofSeconds(2), 1, Duration.ofSeconds(1))),
        n -> List.of(new RateLimitStatus("p", "burst", 6 + n, Duration.ofSeconds(2), 1, Duration.ofSeconds(1))),
        n -> List.of(new RateLimitStatus("p", "burst", 5, Duration.ofSeconds(3 + n), 1, Duration.ofSeconds(1))),
        n -> List.of(base, new RateLimitStatus("p", "minute" + n, 5, Duration.ofSeconds(60), 1, Duration.ofSeconds(1))));
    int slot = HttpResponses.FieldNames.slot(List.of(base));
    for (java.util.function.IntFunction<List<RateLimitStatus>> variant : variants) {
      List<RateLimitStatus> other = null;
      for (int n = 0; n < 1_000_000 && other == null; n++) {
        if (HttpResponses.FieldNames.slot(variant.apply(n)) == slot) {
          other = variant.apply(n);
        }
      }
      assertThat(other).isNotNull();
      for (List<RateLimitStatus> limits : List.of(List.of(base), java.util.Objects.requireNonNull(other), List.of(base), other)) {
        assertThat(HttpResponses.rateLimitPolicy(Decision.allowed(limits))).isEqualTo(reference(limits)[0]);
        assertThat(HttpResponses.rateLimit(Decision.allowed(limits))).isEqualTo(reference(limits)[1]);
      }
    }
  }
}
