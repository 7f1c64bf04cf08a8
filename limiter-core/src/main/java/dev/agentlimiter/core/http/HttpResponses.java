package dev.agentlimiter.core.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Grammar;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.internal.engine.HttpGate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP contract, once, for every adapter: the status, headers and RFC 9457 problem body of a refusal,
 * and the IETF {@code RateLimit-Policy} / {@code RateLimit} fields (draft-ietf-httpapi-ratelimit-headers-11,
 * Structured Fields) of every response of a limited route. Adapters only copy what this class returns, so
 * the servlet filter and the JAX-RS feature cannot drift apart. See {@code docs/http-contract.md}.
 *
 * <p>Nothing here echoes request content: problem bodies carry only names the server configured (policy
 * and limit names, which are header-safe tokens; scope names; rule names), numbers, and the decision's
 * caller-safe {@linkplain Decision#detail() detail}. The cause of a 401 is never written. Stateless and
 * thread-safe.
 */
public final class HttpResponses {

  /** The media type of every problem body. */
  public static final String PROBLEM_JSON = "application/problem+json";

  /** The IETF problem type of {@link Reason#RATE_LIMITED} and {@link Reason#CONCURRENCY_LIMITED}. */
  public static final String QUOTA_EXCEEDED =
      "https://iana.org/assignments/http-problem-types#quota-exceeded";

  /** The IETF problem type of {@link Reason#LOOP_DETECTED} and {@link Reason#QUARANTINED}. */
  public static final String ABNORMAL_USAGE =
      "https://iana.org/assignments/http-problem-types#abnormal-usage-detected";

  /** The IETF problem type of a fail-closed 503. */
  public static final String TEMPORARY_REDUCED_CAPACITY =
      "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity";

  /** Our problem types, for reasons the IETF draft does not cover; stable, documented in docs. */
  public static final String TYPE_BASE = "https://agentlimiter.dev/problems/";

  private static final JsonFactory JSON = new JsonFactory();

  private HttpResponses() {}

  /**
   * The status of a refusal: 429 for the retryable reasons, 401, 403, and for {@link
   * Reason#INVALID_REQUEST} 413 ({@link Decision#CAUSE_BODY_TOO_LARGE}), 415 ({@link
   * Decision#CAUSE_UNSUPPORTED_CONTENT_TYPE}) or 400.
   *
   * @throws IllegalArgumentException for an admission
   */
  public static int status(Decision decision) {
    return switch (decision.reason()) {
      case ALLOWED -> throw new IllegalArgumentException("an admission has no refusal status");
      case RATE_LIMITED, LOOP_DETECTED, CONCURRENCY_LIMITED, QUARANTINED -> 429;
      case UNAUTHENTICATED -> 401;
      case FORBIDDEN -> 403;
      case INVALID_REQUEST -> {
        String cause = decision.cause().orElse("");
        yield cause.equals(Decision.CAUSE_BODY_TOO_LARGE)
            ? 413
            : cause.equals(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE) ? 415 : 400;
      }
    };
  }

  /**
   * The {@code RateLimit-Policy} field of the limits evaluated, or {@code null} if there are none: one
   * item per limit, {@code "name";q=<quota>;w=<window seconds>}. The item name is the limit's name, or
   * {@code policy.limit} where two limits of the decision share a name.
   */
  public static @Nullable String rateLimitPolicy(Decision decision) {
    return field(decision, false);
  }

  /**
   * The {@code RateLimit} field of the limits evaluated, or {@code null} if there are none: one item per
   * limit, {@code "name";r=<remaining>;t=<seconds until full>}, named as in {@link #rateLimitPolicy}.
   */
  public static @Nullable String rateLimit(Decision decision) {
    return field(decision, true);
  }

  /**
   * Both fields, {@code RateLimit-Policy} then {@code RateLimit}, for an allowed or refused response of a
   * limited route; empty if no limit was evaluated. Adapters set these on every such response.
   */
  public static List<Map.Entry<String, String>> rateLimitHeaders(Decision decision) {
    List<RateLimitStatus> limits = decision.limits();
    if (limits.isEmpty()) {
      return List.of();
    }
    FieldNames names = FieldNames.of(limits);
    return List.of(Map.entry("RateLimit-Policy", names.policyField), Map.entry("RateLimit", names.state(limits)));
  }

  private static @Nullable String field(Decision decision, boolean state) {
    List<RateLimitStatus> limits = decision.limits();
    if (limits.isEmpty()) {
      return null;
    }
    FieldNames names = FieldNames.of(limits);
    return state ? names.state(limits) : names.policyField;
  }

  /**
   * What the two fields of one set of limits have in common from request to request: the whole {@code
   * RateLimit-Policy} value (names, quotas and windows are configuration) and each item's {@code "name";r=}.
   * Remembered in a small direct-mapped table, so a request builds only its {@code RateLimit} value: the
   * table holds at most {@value #SLOTS} immutable entries, read and replaced without locks (a racing
   * writer only replaces one valid entry with another).
   */
  static final class FieldNames {
    static final int SLOTS = 256;
    private static final FieldNames[] TABLE = new FieldNames[SLOTS];

    private final String[] policies;
    private final String[] limitNames;
    private final long[] quotas;
    private final long[] windows;
    final String policyField;
    private final String[] statePrefixes;

    private FieldNames(List<RateLimitStatus> limits) {
      int n = limits.size();
      policies = new String[n];
      limitNames = new String[n];
      quotas = new long[n];
      windows = new long[n];
      statePrefixes = new String[n];
      Set<String> clashing = clashingNames(limits);
      StringBuilder policy = new StringBuilder();
      for (int i = 0; i < n; i++) {
        RateLimitStatus s = limits.get(i);
        policies[i] = s.policy();
        limitNames[i] = s.limit();
        quotas[i] = s.quota();
        windows[i] = s.windowSeconds();
        String item = '"' + (clashing.contains(s.limit()) ? s.policy() + "." + s.limit() : s.limit()) + '"';
        if (i > 0) {
          policy.append(", ");
        }
        policy.append(item).append(";q=").append(quotas[i]).append(";w=").append(windows[i]);
        statePrefixes[i] = (i > 0 ? ", " : "") + item + ";r=";
      }
      policyField = policy.toString();
    }

    /** The entry of these limits, from the table or made (and remembered) now. */
    static FieldNames of(List<RateLimitStatus> limits) {
      int slot = slot(limits);
      FieldNames cached = TABLE[slot];
      if (cached != null && cached.describes(limits)) {
        return cached;
      }
      FieldNames made = new FieldNames(limits);
      TABLE[slot] = made;
      return made;
    }

    /** The table slot of a set of limits. */
    static int slot(List<RateLimitStatus> limits) {
      int h = 1;
      for (int i = 0; i < limits.size(); i++) {
        RateLimitStatus s = limits.get(i);
        h = 31 * h + s.policy().hashCode();
        h = 31 * h + s.limit().hashCode();
        h = 31 * h + Long.hashCode(s.quota());
        h = 31 * h + Long.hashCode(s.windowSeconds());
      }
      return (h ^ (h >>> 16)) & (SLOTS - 1);
    }

    private boolean describes(List<RateLimitStatus> limits) {
      if (limits.size() != policies.length) {
        return false;
      }
      for (int i = 0; i < policies.length; i++) {
        RateLimitStatus s = limits.get(i);
        if (s.quota() != quotas[i] || s.windowSeconds() != windows[i] || !s.limit().equals(limitNames[i])
            || !s.policy().equals(policies[i])) {
          return false;
        }
      }
      return true;
    }

    /** The {@code RateLimit} value of these limits' current state. */
    String state(List<RateLimitStatus> limits) {
      RateLimitStatus first = limits.get(0);
      if (limits.size() == 1) {
        return statePrefixes[0] + first.remaining() + ";t=" + first.resetSeconds();
      }
      StringBuilder out = new StringBuilder(32 * limits.size());
      for (int i = 0; i < limits.size(); i++) {
        RateLimitStatus s = limits.get(i);
        out.append(statePrefixes[i]).append(s.remaining()).append(";t=").append(s.resetSeconds());
      }
      return out.toString();
    }
  }

  /**
   * The headers of a refusal beside the body's {@code Content-Type}, in order: {@code Retry-After} for the
   * retryable reasons (whole seconds, rounded up, at least 1), {@code WWW-Authenticate} for 401 (RFC 6750:
   * {@code Bearer realm="…"}, with {@code error="invalid_token"} when a credential was presented and
   * failed), and the RateLimit fields when limits were evaluated.
   *
   * @param realm the realm of the {@code WWW-Authenticate} challenge: letters, digits, {@code . _ -}
   * @throws IllegalArgumentException for an admission, or a malformed realm
   */
  public static List<Map.Entry<String, String>> refusalHeaders(Decision decision, String realm) {
    return refusalHeaders(decision, realm, false);
  }

  /**
   * As {@link #refusalHeaders(Decision, String)}, for a request whose body the refusal leaves (partly)
   * unread ({@code unreadBody}, see {@link #leavesBodyUnread}): then {@code Connection: close} comes first,
   * since the container will not drain a body it may never finish receiving (an oversized upload, say). A
   * refusal of a request without a body, or of one the engine read to its end, keeps the connection.
   *
   * @throws IllegalArgumentException for an admission, or a malformed realm
   */
  public static List<Map.Entry<String, String>> refusalHeaders(
      Decision decision, String realm, boolean unreadBody) {
    checkRealm(realm);
    int status = status(decision);
    List<Map.Entry<String, String>> headers = new ArrayList<>(5);
    if (unreadBody) {
      headers.add(Map.entry("Connection", "close"));
    }
    if (decision.reason().isRetryable()) {
      headers.add(Map.entry("Retry-After", Long.toString(decision.retryAfterSeconds())));
    }
    if (status == 401) {
      boolean presented = !decision.cause().orElse("").equals(Decision.CAUSE_MISSING_CREDENTIAL);
      headers.add(
          Map.entry(
              "WWW-Authenticate",
              "Bearer realm=\"" + realm + "\"" + (presented ? ", error=\"invalid_token\"" : "")));
    }
    headers.addAll(rateLimitHeaders(decision));
    return List.copyOf(headers);
  }

  /**
   * The RFC 9457 body of a refusal, UTF-8 JSON: {@code type}, {@code title}, {@code status}, {@code
   * detail}, and the members {@code reason}, {@code violated-policies}, {@code retryAfter} (seconds, for the
   * retryable reasons) and {@code cause} (only for 400/413/415 and 403, which tell the caller what to fix;
   * never for 401).
   *
   * @throws IllegalArgumentException for an admission
   */
  public static byte[] problemBody(Decision decision) {
    int status = status(decision);
    Reason reason = decision.reason();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(bytes)) {
      json.writeStartObject();
      json.writeStringField("type", type(reason));
      json.writeStringField("title", title(reason, status));
      json.writeNumberField("status", status);
      json.writeStringField("detail", detail(decision, status));
      json.writeStringField("reason", reason.name());
      json.writeArrayFieldStart("violated-policies");
      if (decision.policy().isPresent()) {
        json.writeString(decision.policy().get());
      }
      json.writeEndArray();
      if (reason.isRetryable()) {
        json.writeNumberField("retryAfter", decision.retryAfterSeconds());
      }
      if (status != 401 && decision.cause().isPresent()) {
        json.writeStringField("cause", decision.cause().get());
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  /**
   * The RFC 9457 body of a problem that is not a limiter decision (the admin endpoint's 400, 404, 405 and
   * 501), UTF-8 JSON in the style of {@link #problemBody(Decision)}: {@code type}, {@code title}, {@code
   * status} and {@code detail}, nothing else. Callers pass only text the server wrote, never request content.
   */
  static byte[] problemBody(String type, String title, int status, String detail) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(160);
    try (JsonGenerator json = JSON.createGenerator(bytes)) {
      json.writeStartObject();
      json.writeStringField("type", type);
      json.writeStringField("title", title);
      json.writeNumberField("status", status);
      json.writeStringField("detail", detail);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  /**
   * The headers of a fail-closed adapter's 503 beside the body's {@code Content-Type}: {@code Retry-After}
   * in whole seconds, rounded up, at least 1.
   */
  public static List<Map.Entry<String, String>> unavailableHeaders(Duration retryAfter) {
    return List.of(Map.entry("Retry-After", Long.toString(retryAfterSeconds(retryAfter))));
  }

  /**
   * Whether a request declares a body, the one rule the request rules and the refusals share: a {@code
   * Transfer-Encoding}, or a {@code Content-Length} that is present and not exactly 0 (a malformed one
   * included). A refusal that leaves such a body unread must close the connection ({@link
   * #leavesBodyUnread}).
   *
   * @param contentLength the request's {@code Content-Length}, {@code -1} if absent, any other negative
   *     value if malformed
   */
  public static boolean declaresBody(long contentLength, @Nullable String transferEncoding) {
    return transferEncoding != null || (contentLength != -1 && contentLength != 0);
  }

  /**
   * Whether refusing a request leaves body bytes unread on the connection, so that the refusal must close it
   * ({@link #refusalHeaders(Decision, String, boolean)}): the request {@linkplain #declaresBody declares a
   * body} and the engine did not {@linkplain Admission#bodyReadToEnd() read it to its end} (it was refused
   * before the body was read, or read only a prefix of it).
   *
   * @param contentLength the request's {@code Content-Length}, {@code -1} if absent
   */
  public static boolean leavesBodyUnread(
      Admission admission, long contentLength, @Nullable String transferEncoding) {
    return declaresBody(contentLength, transferEncoding) && !admission.bodyReadToEnd();
  }

  /**
   * The 503 body of a fail-closed adapter whose limiter could not decide, with the IETF {@code
   * temporary-reduced-capacity} type and the given {@code retryAfter} (whole seconds, at least 1).
   */
  public static byte[] unavailableBody(Duration retryAfter) {
    Objects.requireNonNull(retryAfter, "retryAfter");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(200);
    try (JsonGenerator json = JSON.createGenerator(bytes)) {
      json.writeStartObject();
      json.writeStringField("type", TEMPORARY_REDUCED_CAPACITY);
      json.writeStringField("title", "Service Unavailable");
      json.writeNumberField("status", 503);
      json.writeStringField("detail", "the rate limiter cannot decide right now; retry later");
      json.writeStringField("reason", "UNAVAILABLE");
      json.writeArrayFieldStart("violated-policies");
      json.writeEndArray();
      json.writeNumberField("retryAfter", retryAfterSeconds(retryAfter));
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  /** {@code Retry-After} for a 503: whole seconds, rounded up, at least 1. */
  public static long retryAfterSeconds(Duration retryAfter) {
    return Decision.retryAfterSeconds(retryAfter);
  }

  static String type(Reason reason) {
    return switch (reason) {
      case RATE_LIMITED, CONCURRENCY_LIMITED -> QUOTA_EXCEEDED;
      case LOOP_DETECTED, QUARANTINED -> ABNORMAL_USAGE;
      case UNAUTHENTICATED -> TYPE_BASE + "unauthenticated";
      case FORBIDDEN -> TYPE_BASE + "forbidden";
      case INVALID_REQUEST -> TYPE_BASE + "invalid-request";
      case ALLOWED -> throw new IllegalArgumentException("an admission has no problem type");
    };
  }

  private static String title(Reason reason, int status) {
    return switch (status) {
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 400 -> "Bad Request";
      default ->
          switch (reason) {
            case LOOP_DETECTED -> "Request loop detected";
            case QUARANTINED -> "Agent quarantined";
            case CONCURRENCY_LIMITED -> "Too many requests in flight";
            default -> "Too Many Requests";
          };
    };
  }

  private static String detail(Decision decision, int status) {
    if (status == 401) {
      return HttpGate.UNAUTHENTICATED_DETAIL; // whatever the resolver said: never help a guesser
    }
    if (decision.detail().isPresent()) {
      return decision.detail().get();
    }
    String policy = decision.policy().map(p -> "policy '" + p + "'").orElse("a policy");
    long seconds = decision.retryAfterSeconds();
    return switch (decision.reason()) {
      case RATE_LIMITED ->
          decision.bindingLimit()
              .map(l -> "limit '" + l.limit() + "' of " + policy + " is exhausted")
              .orElse(policy + " refused the request")
              + "; retry after " + seconds + " s";
      case LOOP_DETECTED ->
          "the same request was repeated too often under " + policy + "; retry after " + seconds + " s";
      case QUARANTINED ->
          "the agent is quarantined by " + policy + " after repeated refusals; retry after " + seconds + " s";
      case CONCURRENCY_LIMITED ->
          "too many requests of this agent are in flight under " + policy + "; retry after " + seconds + " s";
      default -> "the request can never be admitted: its cost exceeds the capacity of " + policy;
    };
  }

  private static Set<String> clashingNames(List<RateLimitStatus> limits) {
    if (limits.size() < 2) {
      return Set.of();
    }
    Set<String> seen = new HashSet<>();
    Set<String> clashing = new HashSet<>();
    for (RateLimitStatus s : limits) {
      if (!seen.add(s.limit())) {
        clashing.add(s.limit());
      }
    }
    return clashing;
  }

  /**
   * Checks a {@code WWW-Authenticate} realm: a {@linkplain Grammar#isName name} (1 to 64 letters, digits,
   * {@code . _ -}), so it needs no escaping in the quoted challenge.
   *
   * @return the realm
   * @throws IllegalArgumentException naming the realm otherwise
   */
  public static String checkRealm(String realm) {
    return Grammar.checkName("realm", realm);
  }
}
