package dev.agentlimiter.api;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The engine's answer for one request. A denial is a value, never an exception. Immutable and thread-safe.
 *
 * <p>The <em>binding</em> limit is the one that decided: for a denial, the limit that needs the longest
 * wait; for an admission, the limit with the fewest tokens left. {@link #limits()} holds the state of every
 * limit evaluated, for the {@code RateLimit} fields.
 *
 * <p>Every cause the limiter itself gives is written once: the request-level causes are the {@code CAUSE_*}
 * constants here, a rejected credential's are the constants of {@link IdentityResult.Rejected}, and a
 * quarantine's is the reason of the refusal that boxed the agent ({@link #quarantined}). The table in {@code
 * docs/identity.md} lists them all.
 */
public final class Decision {

  /** {@link Reason#INVALID_REQUEST}: a header the route requires is absent (400). */
  public static final String CAUSE_MISSING_HEADER = "missing-header";

  /** {@link Reason#INVALID_REQUEST}: the content type is not one the route accepts (415). */
  public static final String CAUSE_UNSUPPORTED_CONTENT_TYPE = "unsupported-content-type";

  /** {@link Reason#INVALID_REQUEST}: the body is larger than the route accepts (413). */
  public static final String CAUSE_BODY_TOO_LARGE = "body-too-large";

  /**
   * {@link Reason#INVALID_REQUEST}: on a route with a body limit, the {@code Content-Length} is not a
   * number, or its values disagree (400).
   */
  public static final String CAUSE_MALFORMED_CONTENT_LENGTH = "malformed-content-length";

  /**
   * {@link Reason#INVALID_REQUEST}: the body is not one acceptable JSON document (400). Finer causes start
   * with this one and a dot: {@code malformed-json.duplicate-key}, {@code malformed-json.invalid-utf8},
   * {@code malformed-json.trailing-content}, {@code malformed-json.too-deep}, {@code
   * malformed-json.too-large}, {@code malformed-json.empty}.
   */
  public static final String CAUSE_MALFORMED_JSON = "malformed-json";

  /** {@link #CAUSE_MALFORMED_JSON}, finer: the body holds no JSON value at all (400). */
  public static final String CAUSE_MALFORMED_JSON_EMPTY = CAUSE_MALFORMED_JSON + ".empty";

  /** {@link #CAUSE_MALFORMED_JSON}, finer: an object has the same key twice (400). */
  public static final String CAUSE_MALFORMED_JSON_DUPLICATE_KEY = CAUSE_MALFORMED_JSON + ".duplicate-key";

  /** {@link #CAUSE_MALFORMED_JSON}, finer: the body is not UTF-8 (UTF-16 and UTF-32 included) (400). */
  public static final String CAUSE_MALFORMED_JSON_INVALID_UTF8 = CAUSE_MALFORMED_JSON + ".invalid-utf8";

  /** {@link #CAUSE_MALFORMED_JSON}, finer: something follows the JSON document (400). */
  public static final String CAUSE_MALFORMED_JSON_TRAILING_CONTENT = CAUSE_MALFORMED_JSON + ".trailing-content";

  /** {@link #CAUSE_MALFORMED_JSON}, finer: objects and arrays are nested deeper than the limit (400). */
  public static final String CAUSE_MALFORMED_JSON_TOO_DEEP = CAUSE_MALFORMED_JSON + ".too-deep";

  /**
   * {@link #CAUSE_MALFORMED_JSON}, finer: the document, or a string, name or number in it, or its number of
   * tokens, exceeds its limit (400).
   */
  public static final String CAUSE_MALFORMED_JSON_TOO_LARGE = CAUSE_MALFORMED_JSON + ".too-large";

  /** {@link Reason#INVALID_REQUEST}: the body could not be read from the connection (400). */
  public static final String CAUSE_UNREADABLE_BODY = "unreadable-body";

  /** {@link Reason#UNAUTHENTICATED}: the route requires an identity and the request carries none. */
  public static final String CAUSE_MISSING_CREDENTIAL = "missing-credential";

  /** {@link Reason#FORBIDDEN}: the identity lacks a scope the route requires (403). */
  public static final String CAUSE_MISSING_SCOPE = "missing-scope";

  /**
   * {@link Reason#RATE_LIMITED} by the credential-failure guard, <b>in the {@link DecisionEvent} only</b>
   * (the decision, a policy's refusal, carries no cause): the client address failed too many credentials,
   * and its own was not checked (429).
   */
  public static final String CAUSE_CREDENTIAL_FAILURES_EXHAUSTED = "credential-failures-exhausted";

  /** The longest {@link #detail()}. */
  public static final int MAX_DETAIL_LENGTH = 512;

  private static final Decision ALLOWED_UNLIMITED =
      new Decision(Reason.ALLOWED, List.of(), null, null, Duration.ZERO, null, null);

  private final Reason reason;
  private final List<RateLimitStatus> limits;
  private final @Nullable RateLimitStatus binding;
  private final @Nullable String policy;
  private final Duration retryAfter;
  private final @Nullable String cause;
  private final @Nullable String detail;

  private Decision(
      Reason reason,
      List<RateLimitStatus> limits,
      @Nullable RateLimitStatus binding,
      @Nullable String policy,
      Duration retryAfter,
      @Nullable String cause,
      @Nullable String detail) {
    this.reason = reason;
    this.limits = limits;
    this.binding = binding;
    this.policy = binding != null ? binding.policy() : policy;
    this.retryAfter = retryAfter;
    this.cause = cause;
    this.detail = detail;
  }

  /** An admission with no limit involved. */
  public static Decision allowed() {
    return ALLOWED_UNLIMITED;
  }

  /**
   * An admission; the binding limit is the one with the fewest tokens left.
   *
   * @param limits the state of every limit after the cost was taken
   */
  public static Decision allowed(List<RateLimitStatus> limits) {
    List<RateLimitStatus> copy = List.copyOf(limits);
    RateLimitStatus least = null;
    for (RateLimitStatus status : copy) {
      if (least == null || status.remaining() < least.remaining()) {
        least = status;
      }
    }
    return new Decision(Reason.ALLOWED, copy, least, null, Duration.ZERO, null, null);
  }

  /**
   * A denial.
   *
   * @param reason why; must not be {@link Reason#ALLOWED}
   * @param limits the state of the limits evaluated (may be empty)
   * @param binding the limit that refused, if a limit did; must be one of {@code limits}
   * @param retryAfter exact time after which the same request can succeed; zero unless
   *     {@link Reason#isRetryable()}, and positive if it is
   * @throws IllegalArgumentException if the arguments contradict each other
   */
  public static Decision denied(
      Reason reason,
      List<RateLimitStatus> limits,
      @Nullable RateLimitStatus binding,
      Duration retryAfter) {
    return denied(reason, limits, binding, null, retryAfter);
  }

  /**
   * A denial by a defence that is not a limit (a loop, the concurrency cap, the penalty box), naming the
   * policy whose defence refused.
   *
   * @throws IllegalArgumentException as {@link #denied(Reason, List, RateLimitStatus, Duration)}
   */
  public static Decision denied(Reason reason, String policy, Duration retryAfter) {
    return denied(reason, List.of(), null, Objects.requireNonNull(policy, "policy"), retryAfter);
  }

  private static Decision denied(
      Reason reason,
      List<RateLimitStatus> limits,
      @Nullable RateLimitStatus binding,
      @Nullable String policy,
      Duration retryAfter) {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(retryAfter, "retryAfter");
    if (reason.isAllowed()) {
      throw new IllegalArgumentException("decision: a denial needs a reason other than ALLOWED");
    }
    boolean positive = !retryAfter.isZero() && !retryAfter.isNegative();
    if (reason.isRetryable() != positive || retryAfter.isNegative()) {
      throw new IllegalArgumentException(
          "decision: retryAfter must be > 0 exactly when "
              + reason
              + " is retryable, but was "
              + retryAfter);
    }
    List<RateLimitStatus> copy = List.copyOf(limits);
    if (binding != null && !copy.contains(binding)) {
      throw new IllegalArgumentException("decision: binding limit must be one of the limits");
    }
    return new Decision(reason, copy, binding, policy, retryAfter, null, null);
  }

  /**
   * A refusal by a lane's penalty box ({@link Reason#QUARANTINED}). It names what the box recorded, not the
   * policy of the refused request: {@link #policy()} is the policy whose refusal put the agent in the box,
   * {@link #cause()} that refusal's reason ({@code loop-detected}, {@code rate-limited}, {@code
   * concurrency-limited}), and {@link #detail()} says so with the lane and when the quarantine ends.
   *
   * @param lane the lane whose box holds the agent
   * @param policy the policy whose refusal put the agent in the box
   * @param offence the reason of that refusal
   * @param remaining time until the quarantine ends, positive: the exact retry-after
   * @throws IllegalArgumentException if {@code remaining} is not positive, or {@code offence} is {@link
   *     Reason#ALLOWED}
   */
  public static Decision quarantined(String lane, String policy, Reason offence, Duration remaining) {
    Objects.requireNonNull(lane, "lane");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(offence, "offence");
    if (offence.isAllowed()) {
      throw new IllegalArgumentException("decision: a quarantine needs an offence other than ALLOWED");
    }
    Decision base = denied(Reason.QUARANTINED, List.of(), null, policy, remaining);
    String cause = offence.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    String detail =
        "the agent is quarantined in lane '" + lane + "' by policy '" + policy + "' after "
            + offence + "; the quarantine ends in " + ceilSeconds(remaining) + " s";
    if (detail.length() > MAX_DETAIL_LENGTH) {
      detail = "the agent is quarantined after " + offence + "; the quarantine ends in "
          + ceilSeconds(remaining) + " s";
    }
    return new Decision(
        Reason.QUARANTINED, List.of(), null, policy, base.retryAfter, cause, checkDetail(detail));
  }

  /**
   * A refusal before any limit was consulted, which waiting cannot cure: an invalid request, a missing or
   * failed credential, a missing scope.
   *
   * @param reason {@link Reason#INVALID_REQUEST}, {@link Reason#UNAUTHENTICATED} or {@link
   *     Reason#FORBIDDEN}
   * @param cause a stable machine-readable cause, such as {@link #CAUSE_BODY_TOO_LARGE} or a resolver's
   *     {@code "expired"}: 1 to 64 characters of {@code a-z 0-9 . : _ -}
   * @param detail a sentence safe to show the caller: it must not reveal why a credential failed, another
   *     agent's data or a secret; at most {@value #MAX_DETAIL_LENGTH} characters, no control, format
   *     (such as bidirectional overrides) or line-separator characters
   * @throws IllegalArgumentException if the reason is another one, or the cause or detail is malformed
   */
  public static Decision refused(Reason reason, String cause, String detail) {
    Objects.requireNonNull(reason, "reason");
    if (reason != Reason.INVALID_REQUEST
        && reason != Reason.UNAUTHENTICATED
        && reason != Reason.FORBIDDEN) {
      throw new IllegalArgumentException(
          "decision: refused() takes INVALID_REQUEST, UNAUTHENTICATED or FORBIDDEN but was " + reason);
    }
    return new Decision(reason, List.of(), null, null, Duration.ZERO, checkCause(cause), checkDetail(detail));
  }

  private static String checkCause(String cause) {
    if (cause.isEmpty() || cause.length() > 64) {
      throw new IllegalArgumentException(
          "decision: cause must have 1 to 64 characters but had " + cause.length());
    }
    for (int i = 0; i < cause.length(); i++) {
      char c = cause.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || ".:_-".indexOf(c) >= 0)) {
        throw new IllegalArgumentException(
            "decision: cause may contain only a-z, 0-9, '.', ':', '_' and '-' but was '" + cause + "'");
      }
    }
    return cause;
  }

  private static String checkDetail(String detail) {
    if (detail.isEmpty() || detail.length() > MAX_DETAIL_LENGTH) {
      throw new IllegalArgumentException(
          "decision: detail must have 1 to " + MAX_DETAIL_LENGTH + " characters but had " + detail.length());
    }
    for (int i = 0; i < detail.length(); i++) {
      char c = detail.charAt(i);
      int type = Character.getType(c);
      if (Character.isISOControl(c)
          || type == Character.FORMAT
          || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR) {
        throw new IllegalArgumentException("decision: detail has a control character at index " + i);
      }
    }
    return detail;
  }

  /**
   * The machine-readable cause of a {@linkplain #refused refusal} or a {@linkplain #quarantined quarantine},
   * for the problem body and the audit log; empty for admissions and limit denials.
   */
  public Optional<String> cause() {
    return Optional.ofNullable(cause);
  }

  /** A sentence for the problem body's {@code detail}, safe to show the caller; empty if none. */
  public Optional<String> detail() {
    return Optional.ofNullable(detail);
  }

  /** Why the engine decided as it did. */
  public Reason reason() {
    return reason;
  }

  /** Whether the request proceeds. */
  public boolean isAllowed() {
    return reason == Reason.ALLOWED;
  }

  /** The state of every limit evaluated, in policy and declaration order. */
  public List<RateLimitStatus> limits() {
    return limits;
  }

  /** The limit that decided, if any. */
  public Optional<RateLimitStatus> bindingLimit() {
    return Optional.ofNullable(binding);
  }

  /** The name of the policy that decided: the binding limit's, or the policy whose defence refused. */
  public Optional<String> policy() {
    return Optional.ofNullable(policy);
  }

  /** Tokens left in the binding limit, or {@link Long#MAX_VALUE} if no limit is involved. */
  public long remaining() {
    return binding == null ? Long.MAX_VALUE : binding.remaining();
  }

  /** Exact time until the binding limit is full again; zero if no limit is involved. */
  public Duration reset() {
    return binding == null ? Duration.ZERO : binding.resetAfter();
  }

  /**
   * Exact time after which the same request can succeed, computed from the bucket; zero for an admission
   * and for denials that waiting cannot cure.
   */
  public Duration retryAfter() {
    return retryAfter;
  }

  /**
   * {@link #retryAfter()} in whole seconds as the {@code Retry-After} header carries it: rounded up, and at
   * least 1 for a retryable denial; 0 otherwise.
   */
  public long retryAfterSeconds() {
    return retryAfter.isZero() ? 0 : retryAfterSeconds(retryAfter);
  }

  /**
   * A wait as a {@code Retry-After} header carries it, the one rounding every response uses: whole
   * seconds, rounded up, and at least 1 (a wait of zero or less is 1: "retry soon", never "now").
   */
  public static long retryAfterSeconds(Duration wait) {
    return wait.isNegative() || wait.isZero() ? 1 : Math.max(1, ceilSeconds(wait));
  }

  static long ceilSeconds(Duration d) {
    long seconds = d.getSeconds();
    return d.getNano() == 0 ? seconds : seconds + 1;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof Decision other
        && reason == other.reason
        && limits.equals(other.limits)
        && Objects.equals(binding, other.binding)
        && Objects.equals(policy, other.policy)
        && retryAfter.equals(other.retryAfter)
        && Objects.equals(cause, other.cause)
        && Objects.equals(detail, other.detail);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, limits, binding, policy, retryAfter, cause, detail);
  }

  @Override
  public String toString() {
    return "Decision["
        + reason
        + (cause == null ? "" : ", cause=" + cause)
        + (binding == null
            ? (policy == null ? "" : ", policy=" + policy)
            : ", binding=" + binding.policy() + "/" + binding.limit())
        + ", remaining="
        + (binding == null ? "unlimited" : String.valueOf(binding.remaining()))
        + ", retryAfter="
        + retryAfter
        + "]";
  }
}
