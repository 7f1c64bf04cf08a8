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
 */
public final class Decision {

  private static final Decision ALLOWED_UNLIMITED =
      new Decision(Reason.ALLOWED, List.of(), null, null, Duration.ZERO);

  private final Reason reason;
  private final List<RateLimitStatus> limits;
  private final @Nullable RateLimitStatus binding;
  private final @Nullable String policy;
  private final Duration retryAfter;

  private Decision(
      Reason reason,
      List<RateLimitStatus> limits,
      @Nullable RateLimitStatus binding,
      @Nullable String policy,
      Duration retryAfter) {
    this.reason = reason;
    this.limits = limits;
    this.binding = binding;
    this.policy = binding != null ? binding.policy() : policy;
    this.retryAfter = retryAfter;
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
    return new Decision(Reason.ALLOWED, copy, least, null, Duration.ZERO);
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
    return new Decision(reason, copy, binding, policy, retryAfter);
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
    if (retryAfter.isZero()) {
      return 0;
    }
    return Math.max(1, ceilSeconds(retryAfter));
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
        && retryAfter.equals(other.retryAfter);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reason, limits, binding, policy, retryAfter);
  }

  @Override
  public String toString() {
    return "Decision["
        + reason
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
