package dev.agentlimiter.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * What the limiter decided about one request, told to {@link LimiterListener#onDecision} exactly once per
 * request, for every outcome, <b>when the request ends</b>: an HTTP-level refusal (400, 401, 403, 413, 415,
 * the credential-failure 429), a policy's refusal, an admission, and a shadow route's "would refuse". For
 * {@link AgentLimiter#decide} and {@link AgentLimiter#tryAcquire} the request ends at once; for {@link
 * AgentLimiter#enter} and {@link AgentLimiter#admit} when its {@link Admission} is completed or closed.
 *
 * <p>Immutable and thread-safe. It never carries a credential, a header value or request content: the
 * agent is named by its verified id, or, when none was verified, by its client address.
 */
public final class DecisionEvent {

  private final Instant time;
  private final @Nullable String method;
  private final @Nullable String route;
  private final @Nullable String path;
  private final @Nullable String clientAddress;
  private final String agentId;
  private final @Nullable IdentitySource source;
  private final @Nullable String tier;
  private final List<String> lanes;
  private final List<String> policies;
  private final Decision decision;
  private final @Nullable String cause;
  private final int status;
  private final boolean shadow;
  private final @Nullable String requestId;
  private final long limiterNanos;

  private DecisionEvent(Builder b) {
    this.time = Objects.requireNonNull(b.time, "time");
    this.method = b.method;
    this.route = b.route;
    this.path = b.path;
    this.clientAddress = b.clientAddress;
    this.agentId = Objects.requireNonNull(b.agentId, "agentId");
    this.source = b.source;
    this.tier = b.tier;
    this.lanes = List.copyOf(b.lanes);
    this.policies = List.copyOf(b.policies);
    this.decision = Objects.requireNonNull(b.decision, "decision");
    this.cause = b.cause != null ? b.cause : decision.cause().orElse(null);
    this.status = b.status;
    this.shadow = b.shadow;
    this.requestId = b.requestId;
    this.limiterNanos = b.limiterNanos;
  }

  /** A builder, for listeners' tests and for adapters that decide outside the engine. */
  public static Builder builder() {
    return new Builder();
  }

  /** When the request was decided, on the limiter's wall clock. */
  public Instant time() {
    return time;
  }

  /** The HTTP method, for a request admitted through {@link AgentLimiter#admit}. */
  public Optional<String> method() {
    return Optional.ofNullable(method);
  }

  /**
   * The route's pattern as the adapter matched it (such as {@code /orders/*} or a JAX-RS {@code @Path}
   * template), never the raw path: one value per route, safe as a metric tag.
   */
  public Optional<String> route() {
    return Optional.ofNullable(route);
  }

  /**
   * The request's path as the route table matched it (decoded, canonical, without the query): for an audit
   * line, never for a metric tag, since it is one value per distinct path.
   */
  public Optional<String> path() {
    return Optional.ofNullable(path);
  }

  /** The client's address, after the trusted proxies; empty outside HTTP. */
  public Optional<String> clientAddress() {
    return Optional.ofNullable(clientAddress);
  }

  /**
   * The agent: the verified identity's id, or {@code ip:} and the client address when no identity was
   * verified (never the identity a failed credential claimed).
   */
  public String agentId() {
    return agentId;
  }

  /** How the agent was identified; empty when no identity was verified. */
  public Optional<IdentitySource> identitySource() {
    return Optional.ofNullable(source);
  }

  /** The agent's tier; empty when no identity was verified. */
  public Optional<String> tier() {
    return Optional.ofNullable(tier);
  }

  /** The lanes of the policies evaluated, each once, in the policies' order. */
  public List<String> lanes() {
    return lanes;
  }

  /** The names of the policies evaluated, after tier overrides; empty for a refusal before the policies. */
  public List<String> policies() {
    return policies;
  }

  /** The decision: reason, cause, retry-after, the policy that decided and the state of every limit. */
  public Decision decision() {
    return decision;
  }

  /** The decision's reason; {@link Reason#ALLOWED} for an admission. */
  public Reason reason() {
    return decision.reason();
  }

  /**
   * The machine-readable cause of a refusal: the decision's {@link Decision#cause()}, or the limiter's own
   * where the decision has none, such as {@code credential-failures-exhausted} for a client address refused
   * before its credential was checked.
   */
  public Optional<String> cause() {
    return Optional.ofNullable(cause);
  }

  /** Whether the limiter refused the request, or would have on a shadow route. */
  public boolean refused() {
    return !decision.isAllowed();
  }

  /**
   * The HTTP status the client was answered: the refusal's, or the application's for an admitted request;
   * empty when none is known (outside HTTP, or a request that ended without one).
   */
  public OptionalInt status() {
    return status > 0 ? OptionalInt.of(status) : OptionalInt.empty();
  }

  /** Whether the route is in shadow mode: a refusal here was reported and not enforced. */
  public boolean shadow() {
    return shadow;
  }

  /**
   * The request's id: the configured request-id header's (the trace id of a W3C {@code traceparent}, or an
   * {@code X-Request-Id}), or one the limiter generated; empty outside HTTP.
   */
  public Optional<String> requestId() {
    return Optional.ofNullable(requestId);
  }

  /** The time the limiter itself spent on the request, not the application's. */
  public Duration limiterTime() {
    return Duration.ofNanos(limiterNanos);
  }

  /** {@link #limiterTime()} in nanoseconds, for a meter that records it without a {@code Duration}. */
  public long limiterTimeNanos() {
    return limiterNanos;
  }

  @Override
  public String toString() {
    return "DecisionEvent[" + agentId + (method == null ? "" : ", " + method) + (route == null ? "" : " " + route)
        + ", " + decision + (status > 0 ? ", status=" + status : "") + (shadow ? ", shadow" : "")
        + (requestId == null ? "" : ", request " + requestId) + "]";
  }

  /** Builds a {@link DecisionEvent}; {@code time}, {@code agentId} and {@code decision} are required. */
  public static final class Builder {
    private @Nullable Instant time;
    private @Nullable String method;
    private @Nullable String route;
    private @Nullable String path;
    private @Nullable String clientAddress;
    private @Nullable String agentId;
    private @Nullable IdentitySource source;
    private @Nullable String tier;
    private List<String> lanes = List.of();
    private List<String> policies = List.of();
    private @Nullable Decision decision;
    private @Nullable String cause;
    private int status;
    private boolean shadow;
    private @Nullable String requestId;
    private long limiterNanos;

    private Builder() {}

    /** When the request was decided. */
    public Builder time(Instant when) {
      time = Objects.requireNonNull(when, "time");
      return this;
    }

    /** The HTTP method, or {@code null}. */
    public Builder method(@Nullable String httpMethod) {
      method = httpMethod;
      return this;
    }

    /** The route's pattern, or {@code null}. */
    public Builder route(@Nullable String pattern) {
      route = pattern;
      return this;
    }

    /** The request's path, or {@code null}. */
    public Builder path(@Nullable String requestPath) {
      path = requestPath;
      return this;
    }

    /** The client's address, or {@code null}. */
    public Builder clientAddress(@Nullable String address) {
      clientAddress = address;
      return this;
    }

    /** The agent's id, or {@code ip:} and the client address. */
    public Builder agentId(String id) {
      agentId = Objects.requireNonNull(id, "agentId");
      return this;
    }

    /** The verified identity: its id, source and tier. */
    public Builder agent(AgentIdentity agent) {
      agentId = agent.id();
      source = agent.source();
      tier = agent.tier();
      return this;
    }

    /** The lanes evaluated. */
    public Builder lanes(List<String> names) {
      lanes = List.copyOf(names);
      return this;
    }

    /** The policies evaluated. */
    public Builder policies(List<String> names) {
      policies = List.copyOf(names);
      return this;
    }

    /** The decision. */
    public Builder decision(Decision value) {
      decision = Objects.requireNonNull(value, "decision");
      return this;
    }

    /** The cause, where the decision carries none; {@code null} for the decision's own. */
    public Builder cause(@Nullable String refusalCause) {
      cause = refusalCause;
      return this;
    }

    /**
     * The HTTP status answered, or 0 if none is known.
     *
     * @throws IllegalArgumentException if it is neither 0 nor between 100 and 999
     */
    public Builder status(int httpStatus) {
      if (httpStatus != 0) {
        Checks.between("decision event: status", httpStatus, 100, 999);
      }
      status = httpStatus;
      return this;
    }

    /** Whether the route is in shadow mode. */
    public Builder shadow(boolean inShadow) {
      shadow = inShadow;
      return this;
    }

    /** The request's id, or {@code null}. */
    public Builder requestId(@Nullable String id) {
      requestId = id;
      return this;
    }

    /**
     * The limiter's own time on the request.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder limiterTime(Duration spent) {
      if (spent.isNegative()) {
        throw new IllegalArgumentException("decision event: limiterTime must not be negative, was " + spent);
      }
      return limiterTimeNanos(spent.toNanos());
    }

    /**
     * The limiter's own time on the request, in nanoseconds.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder limiterTimeNanos(long spentNanos) {
      if (spentNanos < 0) {
        throw new IllegalArgumentException("decision event: limiterTime must not be negative, was " + spentNanos + " ns");
      }
      limiterNanos = spentNanos;
      return this;
    }

    /** The event. */
    public DecisionEvent build() {
      return new DecisionEvent(this);
    }
  }
}
