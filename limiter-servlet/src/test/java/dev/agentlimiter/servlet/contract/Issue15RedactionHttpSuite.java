package dev.agentlimiter.servlet.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.ApiKeyHash;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.audit.AuditLog;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.jwt.JwtIdentityResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: secrets never appear in a log line. Real API keys (in {@code Authorization: Bearer} and in
 * {@code X-Api-Key}), real signed JWTs (RS256 and ES256, verified by limiter-jwt against a JWK set), HTTP
 * Basic credentials, session cookies, a custom upstream-secret header, an {@code access_token} query
 * parameter and secrets in request bodies go over real HTTP through the adapter, in requests that are
 * admitted, refused 401 (unknown key, expired token, forged signature, no usable credential), 403 (missing
 * scope), 400 (malformed JSON) and 429 (a small limit exhausted, a loop, the quarantine it earns, the
 * credential guard). The audit log writes every decision ({@code logAdmissions(true)}, no folding: every
 * line whole), and every line logged in the JVM meanwhile is captured ({@link LogCapture}: SLF4J at TRACE,
 * the container's loggers included, {@code java.util.logging} at ALL, {@code System.out}, {@code
 * System.err}). Each secret is random per run, so a match cannot be a coincidence; every line, and every
 * response's headers and body, is searched for every secret whole, for each of a JWT's three parts, for
 * the SHA-256 of each API key (hex, base64, base64url) and for every {@value #PIECE}-character piece of any
 * of them.
 *
 * <p>There is no "sensitive headers" option to configure: neither the adapters nor the audit log have one,
 * by design (docs/observability.md: the events carry no header value at all), so {@value #UPSTREAM_SECRET}
 * stands for such a header without any configuration.
 *
 * <p><b>One exemption: the container's own debugging</b> ({@link #containerDebugging}). Jetty at DEBUG
 * logs every header it parses, value and all ({@code HttpParser}: {@code parsedHeader(...)
 * valueString=[Bearer ...]}), the request URI with its query in a dozen loggers, and pieces of the request
 * body in its buffer dumps; the JDK's HTTP client, the test's own, logs the URIs it sends at FINE. That is
 * the operator's choice of log level, outside the library: those lines are not counted as leaks, but the
 * suite requires that they were seen and that the same search finds the secrets in them, which shows both
 * that container DEBUG was on and that the search would find a secret anywhere. Every other line is
 * searched at every level: the library's, the audit log's, the container's at INFO and above.
 */
public abstract class Issue15RedactionHttpSuite {

  /** The header that stands for a deployment's own sensitive header. */
  public static final String UPSTREAM_SECRET = "X-Upstream-Secret";

  private static final String ISSUER = "https://issuer.example";
  private static final String AUDIENCE = "orders-api";
  private static final String SCOPE = "tasks:write";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int PIECE = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private static final Policy ORDERS =
      Policy.named("orders").limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1))).build();

  /** Three requests a minute: the fourth is refused {@code RATE_LIMITED}. */
  private static final Policy JOBS =
      Policy.named("jobs").limit(Limit.capacity(3).refill(3).per(Duration.ofMinutes(1)).named("minute")).build();

  /** The fourth identical POST is a loop, which boxes the agent in lane {@code tasks}. */
  private static final Policy TASKS =
      Policy.named("tasks")
          .limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1)))
          .loopDetection(LoopDetection.after(3).within(Duration.ofMinutes(1)))
          .quarantine(Quarantine.after(2).within(Duration.ofMinutes(1)))
          .build();

  private static final List<Apps.RouteSpec> ROUTES =
      List.of(
          new Apps.RouteSpec(null, "/v1/orders", Route.of(ORDERS)),
          new Apps.RouteSpec(null, "/jobs/*", Route.of(JOBS)),
          new Apps.RouteSpec(
              "POST",
              "/tasks",
              Route.builder().policy(TASKS).requireScope(SCOPE).rules(RequestRules.builder().json().build()).build()));

  /** The lines the test's own HTTP client logs (the URIs it sends, at FINE). */
  private static final String JDK_HTTP_CLIENT = "jdk.internal.httpclient";

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  /** Every secret sent, by what it is. */
  private final Map<String, String> secrets = new LinkedHashMap<>();

  /** Every response received: its status, headers and body. */
  private final List<String> responses = new ArrayList<>();

  /**
   * Starts a server on 127.0.0.1, an ephemeral port, with the adapter in front of {@link Issue14HttpSuite}'s
   * application, configured with exactly {@code routes}.
   */
  protected abstract RunningServer start(AgentLimiter limiter, List<Apps.RouteSpec> routes, Issue14HttpSuite.App app)
      throws Exception;

  /**
   * The prefixes of the loggers of the server's own code (container and implementation): each must be seen
   * logging below INFO during the test, and their lines below INFO are {@linkplain #containerDebugging
   * exempt}.
   */
  protected abstract List<String> containerLoggers();

  @Test
  void noSecretReachesTheAuditLogOrAnyOtherLogLine() throws Exception {
    // --------------------------------------------------------------- the credentials
    String apiKey = secret("valid API key (Bearer)", "ak_live_" + hex(16));
    String headerKey = secret("valid API key (X-Api-Key)", "ak_live_" + hex(16));
    String unknownKey = secret("unknown API key (Bearer)", "ak_live_" + hex(16));
    String unknownHeaderKey = secret("unknown API key (X-Api-Key)", "ak_live_" + hex(16));
    for (Map.Entry<String, String> key : new ArrayList<>(secrets.entrySet())) { // what a key store holds
      hashes(key.getKey(), key.getValue());
    }
    InMemoryApiKeyStore keys =
        InMemoryApiKeyStore.create()
            .add(apiKey, new AgentIdentity("agent-key", AgentIdentity.DEFAULT_TIER, Set.of(SCOPE), IdentitySource.API_KEY))
            .add(headerKey, AgentIdentity.of("agent-header-key", IdentitySource.API_KEY));

    RSAKey rsa = rsa("rsa-" + hex(4));
    ECKey ec = ec("ec-" + hex(4));
    ECKey forger = ec(ec.getKeyID()); // the same kid, another key: a real signature that does not verify
    Instant now = Instant.now();
    Instant later = now.plus(Duration.ofMinutes(10));
    String jwt = jwt("valid RS256 JWT", rsa, claims("agent-jwt", later).claim("scope", SCOPE));
    String unscoped = jwt("valid ES256 JWT without the scope", ec, claims("agent-ec", later));
    String expired =
        jwt("expired RS256 JWT", rsa, claims("agent-jwt", now.minus(Duration.ofHours(1))).claim("scope", SCOPE));
    String forged = jwt("ES256 JWT with a bad signature", forger, claims("agent-jwt", later).claim("scope", SCOPE));
    JwtIdentityResolver jwts =
        JwtIdentityResolver.newBuilder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .allowedAlgorithms("RS256", "ES256")
            .keys(new JWKSet(List.<JWK>of(rsa.toPublicJWK(), ec.toPublicJWK())).toString())
            .build();

    String password = secret("HTTP Basic password", "pw-" + hex(16));
    String basic =
        secret(
            "HTTP Basic credentials",
            Base64.getEncoder().encodeToString(("svc-reports:" + password).getBytes(StandardCharsets.UTF_8)));
    String session = secret("session cookie", "sess-" + hex(16));
    String cookie = "SESSIONID=" + session + "; csrf=" + secret("CSRF cookie", "csrf-" + hex(16)) + "; theme=dark";
    String upstream = secret(UPSTREAM_SECRET + " header", "ups-" + hex(16));
    String accessToken = secret("access_token query parameter", "at-" + hex(16));
    String card = secret("request body (JSON)", "card-" + hex(16));
    byte[] task = ("{\"task\":\"charge\",\"card\":\"" + card + "\"}").getBytes(StandardCharsets.UTF_8);
    String broken = secret("request body (malformed JSON)", "card-" + hex(16));
    byte[] malformed = ("{\"task\":\"charge\",\"card\":\"" + broken + "\"").getBytes(StandardCharsets.UTF_8);

    // --------------------------------------------------------------- the requests, every line captured
    LogCapture logs;
    int sent;
    long dropped;
    try (LogCapture capture = LogCapture.start()) {
      logs = capture;
      AuditLog audit = AuditLog.builder().logAdmissions(true).foldWindow(Duration.ZERO).build();
      AgentLimiter limiter =
          AgentLimiters.newBuilder()
              .identity(
                  jwts, IdentityResolvers.apiKeys(keys), IdentityResolvers.apiKeys(keys, "X-Api-Key", Clock.systemUTC()))
              .listener(audit)
              .build();
      try (Issue14HttpSuite.App app = new Issue14HttpSuite.App();
          RunningServer server = start(limiter, ROUTES, app)) {
        Client c = new Client(server, cookie, upstream);
        String bearerKey = "Bearer " + apiKey;

        expect(c.get("/v1/orders", "Authorization", bearerKey), 200, null, "valid API key");
        expect(c.get("/v1/orders", "X-Api-Key", headerKey), 200, null, "valid API key in X-Api-Key");
        expect(c.get("/v1/orders?access_token=" + accessToken, "Authorization", bearerKey), 200, null, "query");
        expect(c.get("/v1/orders", "Authorization", "Bearer " + jwt), 200, null, "valid JWT");
        expect(c.get("/v1/orders", "Authorization", "Bearer " + unknownKey), 401, "UNAUTHENTICATED", "unknown key");
        expect(c.get("/v1/orders", "X-Api-Key", unknownHeaderKey), 401, "UNAUTHENTICATED", "unknown X-Api-Key");
        expect(c.get("/v1/orders", "Authorization", "Bearer " + expired), 401, "UNAUTHENTICATED", "expired JWT");
        expect(c.get("/v1/orders", "Authorization", "Bearer " + forged), 401, "UNAUTHENTICATED", "forged JWT");
        expect(c.get("/v1/orders", "Authorization", "Basic " + basic), 401, "UNAUTHENTICATED", "Basic");
        expect(c.post("/tasks", "Bearer " + unscoped, task), 403, "FORBIDDEN", "JWT without the scope");
        expect(c.post("/tasks", "Bearer " + jwt, malformed), 400, "INVALID_REQUEST", "malformed JSON");
        for (int i = 0; i < 5; i++) {
          HttpResponse<String> job = c.get("/jobs/7", "Authorization", bearerKey);
          expect(job, i < 3 ? 200 : 429, i < 3 ? null : "RATE_LIMITED", "job " + i);
        }
        List<String> loop = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          HttpResponse<String> r = c.post("/tasks", "Bearer " + jwt, task);
          if (i < 3) {
            expect(r, 200, null, "task " + i);
          } else {
            assertThat(r.statusCode()).as("identical task %s: %s", i, r.body()).isEqualTo(429);
            loop.add(String.valueOf(ContractSuite.problem(r).get("reason")));
          }
        }
        assertThat(loop).containsOnly("LOOP_DETECTED", "QUARANTINED").contains("LOOP_DETECTED", "QUARANTINED");

        // wrong keys from this address until the credential guard checks no more, then the valid key
        HttpResponse<String> guess;
        int guesses = 0;
        do {
          String wrong = secret("wrong API key, guess " + guesses, "ak_live_" + hex(16));
          guess = c.get("/v1/orders", "Authorization", "Bearer " + wrong);
          assertThat(guess.statusCode()).as("guess %s: %s", guesses, guess.body()).isIn(401, 429);
          guesses++;
        } while (guess.statusCode() == 401 && guesses < 40);
        assertThat(guess.statusCode()).as("the guard refused within 40 guesses").isEqualTo(429);
        HttpResponse<String> guarded = c.get("/v1/orders", "Authorization", bearerKey);
        expect(guarded, 429, "RATE_LIMITED", "valid key from an exhausted address");
        assertThat(ContractSuite.problem(guarded))
            .containsEntry("violated-policies", List.of(AgentLimiters.CREDENTIAL_FAILURES_POLICY));
        sent = c.sent;
      } finally {
        audit.close(); // every queued line written while the capture is still open
      }
      dropped = audit.dropped();
    }
    List<LogCapture.Line> lines = logs.lines();

    // --------------------------------------------------------------- every channel was captured
    assertThat(lines)
        .as("the canary of every channel")
        .filteredOn(l -> l.text().contains(logs.canary()))
        .extracting(LogCapture.Line::channel)
        .containsExactlyInAnyOrder("slf4j", "jul", "jul", "stdout", "stderr"); // jul twice: System.Logger too
    for (String prefix : containerLoggers()) {
      assertThat(lines)
          .as("lines below INFO from %s", prefix)
          .anyMatch(l -> l.logger().startsWith(prefix) && belowInfo(l.level()));
    }

    // --------------------------------------------------------------- the audit log wrote what was caused
    List<Map<String, Object>> audit = new ArrayList<>();
    for (LogCapture.Line line : lines) {
      if (line.logger().equals(AuditLog.DEFAULT_LOGGER_NAME)) {
        audit.add(flat(line.text()));
      }
    }
    assertThat(dropped).as("audit events dropped").isZero();
    List<Map<String, Object>> decisions =
        audit.stream().filter(l -> "agent-limiter-decision".equals(l.get("event.action"))).toList();
    assertThat(decisions).as("one audit line per request").hasSize(sent);
    assertThat(values(decisions, "agentlimiter.reason"))
        .contains(
            "ALLOWED", "UNAUTHENTICATED", "FORBIDDEN", "INVALID_REQUEST", "RATE_LIMITED", "LOOP_DETECTED", "QUARANTINED");
    assertThat(values(decisions, "agentlimiter.cause"))
        .contains(
            IdentityResolvers.UNKNOWN_KEY,
            JwtIdentityResolver.EXPIRED,
            JwtIdentityResolver.BAD_SIGNATURE,
            Decision.CAUSE_MISSING_CREDENTIAL,
            Decision.CAUSE_MISSING_SCOPE,
            Decision.CAUSE_MALFORMED_JSON,
            "credential-failures-exhausted");
    assertThat(values(decisions, "agentlimiter.identity_source")).contains("API_KEY", "JWT");
    assertThat(values(decisions, "http.response.status_code")).contains("200", "400", "401", "403", "429");
    assertThat(values(audit, "event.action")).contains("loop-detected", "quarantined");

    // --------------------------------------------------------------- and nothing holds a secret
    Pieces pieces = new Pieces(secrets);
    Map<String, String> witnesses =
        Map.of("the API key", apiKey, "the JWT", jwt, "the session cookie", session, "the upstream secret", upstream);
    List<String> leaks = new ArrayList<>();
    Set<String> inContainerDebugging = new TreeSet<>();
    int exempt = 0;
    for (LogCapture.Line line : lines) {
      if (containerDebugging(line)) {
        exempt++;
        witnesses.forEach((name, value) -> {
          if (line.text().contains(value)) {
            inContainerDebugging.add(name);
          }
        });
        continue;
      }
      String leak = pieces.find(line.text(), line.channel() + " " + line.level() + " line of " + line.logger());
      if (leak != null) {
        leaks.add(leak);
      }
    }
    for (String response : responses) {
      String leak = pieces.find(response, "the response " + response.substring(0, response.indexOf(' ')));
      if (leak != null) {
        leaks.add(leak);
      }
    }
    assertThat(leaks.subList(0, Math.min(leaks.size(), 20)))
        .as(
            "%s secrets sent in %s requests, searched for in %s log lines (%s of them audit lines, %s exempt) and"
                + " %s responses: %s leaks, the first 20",
            secrets.size(), sent, lines.size(), audit.size(), exempt, responses.size(), leaks.size())
        .isEmpty();
    assertThat(inContainerDebugging)
        .as("what the same search finds in the container's DEBUG lines (Jetty's parser logs every header)")
        .containsExactlyInAnyOrderElementsOf(witnesses.keySet());
    assertThat(values(decisions, "user.id"))
        .contains("agent-key", "agent-header-key", "agent-jwt", "agent-ec", "ip:127.0.0.1");
  }

  /**
   * Whether the line is the container's own debugging, which records the wire by design (see the class
   * comment): a container or implementation logger below INFO, or the test's own HTTP client. Never one of
   * the library's lines, never a line at INFO or above.
   */
  private boolean containerDebugging(LogCapture.Line line) {
    if (line.logger().startsWith(JDK_HTTP_CLIENT)) {
      return true;
    }
    if (!belowInfo(line.level())) {
      return false;
    }
    for (String prefix : containerLoggers()) {
      if (line.logger().startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static boolean belowInfo(String level) {
    return Set.of("DEBUG", "TRACE", "FINE", "FINER", "FINEST").contains(level);
  }

  // ------------------------------------------------------------------------ secrets

  private String secret(String name, String value) {
    assertThat(secrets.putIfAbsent(name, value)).as("secret %s named twice", name).isNull();
    return value;
  }

  /** The SHA-256 of an API key, as a key store or a careless log could write it. */
  private void hashes(String name, String key) {
    byte[] sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    secret("SHA-256 (hex) of the " + name, ApiKeyHash.of(key).hex());
    secret("SHA-256 (base64) of the " + name, Base64.getEncoder().encodeToString(sha256));
    secret("SHA-256 (base64url) of the " + name, Base64.getUrlEncoder().withoutPadding().encodeToString(sha256));
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * Finds secrets in text: whole, or any {@value #PIECE} consecutive characters of one, by a rolling hash
   * over the text (a line of several kilobytes costs one pass).
   */
  private static final class Pieces {
    private static final long BASE = 1_000_003L;
    private final Map<String, String> secrets;
    private final Map<Long, List<String[]>> byHash = new HashMap<>(); // {piece, secret's name}
    private final long top; // BASE^(PIECE - 1)

    Pieces(Map<String, String> secrets) {
      this.secrets = secrets;
      long t = 1;
      for (int i = 1; i < PIECE; i++) {
        t *= BASE;
      }
      top = t;
      for (Map.Entry<String, String> s : secrets.entrySet()) {
        String v = s.getValue();
        assertThat(v.length()).as("secret %s", s.getKey()).isGreaterThanOrEqualTo(PIECE);
        for (int i = 0; i + PIECE <= v.length(); i++) {
          String piece = v.substring(i, i + PIECE);
          byHash.computeIfAbsent(hash(piece, 0), h -> new ArrayList<>()).add(new String[] {piece, s.getKey()});
        }
      }
    }

    private static long hash(String s, int from) {
      long h = 0;
      for (int i = from; i < from + PIECE; i++) {
        h = h * BASE + s.charAt(i);
      }
      return h;
    }

    /** What the text holds of a secret, described with where it is and an excerpt; or null. */
    @Nullable String find(String text, String where) {
      for (Map.Entry<String, String> s : secrets.entrySet()) {
        int at = text.indexOf(s.getValue());
        if (at >= 0) {
          return "the " + s.getKey() + " '" + s.getValue() + "' in a " + where + excerpt(text, at, s.getValue().length());
        }
      }
      if (text.length() < PIECE) {
        return null;
      }
      long h = hash(text, 0);
      for (int i = 0; ; i++) {
        List<String[]> candidates = byHash.get(h);
        if (candidates != null) {
          for (String[] c : candidates) {
            if (text.startsWith(c[0], i)) {
              return "a piece '" + c[0] + "' of the " + c[1] + " '" + secrets.get(c[1]) + "' in a " + where
                  + excerpt(text, i, PIECE);
            }
          }
        }
        if (i + PIECE >= text.length()) {
          return null;
        }
        h = (h - text.charAt(i) * top) * BASE + text.charAt(i + PIECE);
      }
    }

    private static String excerpt(String text, int at, int length) {
      int from = Math.max(0, at - 120);
      int to = Math.min(text.length(), at + length + 120);
      return ", at " + at + ": " + (from > 0 ? "…" : "") + text.substring(from, to) + (to < text.length() ? "…" : "");
    }
  }

  // ------------------------------------------------------------------------ tokens

  private static JWTClaimsSet.Builder claims(String subject, Instant expires) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject(subject)
        .jwtID(hex(12))
        .issueTime(Date.from(expires.minus(Duration.ofHours(1))))
        .expirationTime(Date.from(expires));
  }

  /** The token signed with {@code key}, registered as a secret whole and part by part. */
  private String jwt(String name, JWK key, JWTClaimsSet.Builder claims) {
    try {
      JWSAlgorithm alg = key instanceof RSAKey ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256;
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims.build());
      jwt.sign(key instanceof RSAKey r ? new RSASSASigner(r) : new ECDSASigner((ECKey) key));
      String token = jwt.serialize();
      String[] parts = token.split("\\.", -1);
      assertThat(parts).hasSize(3);
      secret(name, token);
      secrets.putIfAbsent("header of the JWTs of key " + key.getKeyID(), parts[0]); // shared by the key's tokens
      secret("payload of the " + name, parts[1]);
      secret("signature of the " + name, parts[2]);
      return token;
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RSAKey rsa(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ECKey ec(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------------ HTTP

  /** Sends every request with the cookies and the upstream secret; counts them and keeps every response. */
  private final class Client {
    private final RunningServer server;
    private final String cookie;
    private final String upstream;
    int sent;

    Client(RunningServer server, String cookie, String upstream) {
      this.server = server;
      this.cookie = cookie;
      this.upstream = upstream;
    }

    private HttpRequest.Builder request(String path) {
      sent++;
      return HttpRequest.newBuilder(URI.create(server.baseUri() + path))
          .timeout(TIMEOUT)
          .header("Cookie", cookie)
          .header(UPSTREAM_SECRET, upstream)
          .header("X-Request-Id", "req-" + sent);
    }

    HttpResponse<String> get(String path, String header, String value) throws IOException, InterruptedException {
      return kept(http.send(request(path).header(header, value).GET().build(), BodyHandlers.ofString()));
    }

    HttpResponse<String> post(String path, String authorization, byte[] body) throws IOException, InterruptedException {
      return kept(
          http.send(
              request(path)
                  .header("Authorization", authorization)
                  .header("Content-Type", "application/json")
                  .POST(BodyPublishers.ofByteArray(body))
                  .build(),
              BodyHandlers.ofString()));
    }

    private HttpResponse<String> kept(HttpResponse<String> r) {
      responses.add(r.statusCode() + " " + r.headers().map() + " " + r.body());
      return r;
    }
  }

  private static void expect(HttpResponse<String> r, int status, @Nullable String reason, String what)
      throws IOException {
    assertThat(r.statusCode()).as("%s: %s", what, r.body()).isEqualTo(status);
    if (reason != null) {
      assertThat(ContractSuite.problem(r)).as(what).containsEntry("reason", reason);
    }
  }

  // ------------------------------------------------------------------------ audit lines

  private static Set<String> values(List<Map<String, Object>> lines, String key) {
    Set<String> out = new TreeSet<>();
    for (Map<String, Object> l : lines) {
      Object v = l.get(key);
      if (v != null) {
        out.add(String.valueOf(v));
      }
    }
    return out;
  }

  /** An audit line, one JSON object, flattened to dotted keys ({@code event.action}); arrays as lists. */
  private static Map<String, Object> flat(String line) {
    try (JsonParser p = new JsonFactory().createParser(line)) {
      assertThat(p.nextToken()).as("an audit line is one JSON object: %s", line).isEqualTo(JsonToken.START_OBJECT);
      Map<String, Object> out = new LinkedHashMap<>();
      object(p, "", out);
      assertThat(p.nextToken()).as("nothing after the object: %s", line).isNull();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + line, e);
    }
  }

  private static void object(JsonParser p, String prefix, Map<String, Object> out) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = prefix + p.currentName();
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_OBJECT) {
        object(p, key + ".", out);
      } else if (t == JsonToken.START_ARRAY) {
        List<Object> list = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          if (e == JsonToken.START_OBJECT) {
            Map<String, Object> inner = new LinkedHashMap<>();
            object(p, "", inner);
            list.add(inner);
          } else {
            list.add(p.getText());
          }
        }
        out.put(key, list);
      } else {
        out.put(key, p.getText());
      }
    }
  }
}
