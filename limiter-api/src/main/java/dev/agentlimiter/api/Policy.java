package dev.agentlimiter.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A named set of limits applied together: a request is admitted only when every limit holds at least the
 * request's cost, and then the cost is taken from all of them. Immutable and thread-safe; equal policies
 * share state in an engine.
 *
 * <pre>{@code
 * Policy search = Policy.named("search")
 *     .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"))
 *     .limit(Limit.capacity(600).refill(600).per(Duration.ofHours(1)).named("hourly"))
 *     .build();
 * }</pre>
 */
public final class Policy {

  /** The lane of policies that name none. */
  public static final String DEFAULT_LANE = "default";

  private final String name;
  private final String lane;
  private final List<Limit> limits;
  private final long cost;
  private final long minCapacity;
  private final Defences defences;
  private final boolean defended;
  private final int hash;

  private Policy(String name, String lane, List<Limit> limits, long cost, Defences defences) {
    this.name = name;
    this.lane = lane;
    this.limits = limits;
    this.cost = cost;
    this.defences = defences;
    this.defended = defences.any(); // read on every decision
    long min = Long.MAX_VALUE;
    for (Limit limit : limits) {
      min = Math.min(min, limit.capacity());
    }
    this.minCapacity = min;
    this.hash = Objects.hash(name, lane, limits, cost, defences);
  }

  /**
   * Starts a policy.
   *
   * @throws IllegalArgumentException if the name is not 1 to 64 letters, digits, '.', '_' or '-'
   */
  public static Builder named(String name) {
    return new Builder(Grammar.checkName("policy: name", name));
  }

  /**
   * The policy that a set of {@link AgentRateLimit} annotations declares: one limit per annotation, in
   * order. Adapters call this once per endpoint at startup.
   *
   * @param name the policy's name, typically derived from the endpoint
   * @param annotations at least one; they must agree on lane and cost
   * @throws IllegalArgumentException naming the annotation, if a value is invalid, the period is not an
   *     ISO-8601 duration, or the annotations disagree on lane or cost
   */
  public static Policy fromAnnotations(String name, AgentRateLimit... annotations) {
    Builder builder = named(name);
    if (annotations.length == 0) {
      throw new IllegalArgumentException("policy '" + name + "': needs at least one @AgentRateLimit");
    }
    AgentRateLimit first = annotations[0];
    for (AgentRateLimit a : annotations) {
      String where = "@AgentRateLimit '" + a.name() + "' on policy '" + name + "'";
      if (!a.lane().equals(first.lane()) || a.cost() != first.cost()) {
        throw new IllegalArgumentException(
            where + ": every limit of one policy must share lane and cost, but '" + first.name()
                + "' has lane '" + first.lane() + "' and cost " + first.cost());
      }
      java.time.Duration period;
      try {
        period = java.time.Duration.parse(a.period());
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(
            where + ": period '" + a.period() + "' is not an ISO-8601 duration such as PT1S", e);
      }
      try {
        builder.limit(Limit.capacity(a.capacity()).refill(a.refill()).per(period).named(a.name()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    builder.lane(first.lane());
    if (first.cost() != 1) {
      builder.cost(first.cost());
    }
    return builder.build();
  }

  /** The policy's name. */
  public String name() {
    return name;
  }

  /** The lane the policy belongs to. */
  public String lane() {
    return lane;
  }

  /** The limits, in declaration order, each with a name. */
  public List<Limit> limits() {
    return limits;
  }

  /** Tokens a request takes from every limit unless the request names its own cost. */
  public long cost() {
    return cost;
  }

  /** The smallest capacity of the limits: no request may cost more. */
  public long minCapacity() {
    return minCapacity;
  }

  /** The cap on requests in flight per agent, if any. */
  public Optional<ConcurrencyLimit> concurrency() {
    return Optional.ofNullable(defences.concurrency);
  }

  /** The retry-loop detector, if any. */
  public Optional<LoopDetection> loopDetection() {
    return Optional.ofNullable(defences.loopDetection);
  }

  /** The fan-out detector, if any. */
  public Optional<BurstDetection> burstDetection() {
    return Optional.ofNullable(defences.burstDetection);
  }

  /** The penalty box this policy's refusals feed in its lane, if any. */
  public Optional<Quarantine> quarantine() {
    return Optional.ofNullable(defences.quarantine);
  }

  /** The adaptive reputation, if any. */
  public Optional<Reputation> reputation() {
    return Optional.ofNullable(defences.reputation);
  }

  /** The cost budget, if any. */
  public Optional<Budget> budget() {
    return Optional.ofNullable(defences.budget);
  }

  /** Whether any defence beyond the token buckets is configured. */
  public boolean hasDefences() {
    return defended;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof Policy other
        && hash == other.hash
        && cost == other.cost
        && name.equals(other.name)
        && lane.equals(other.lane)
        && limits.equals(other.limits)
        && defences.equals(other.defences);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "Policy[" + name + ", lane=" + lane + ", cost=" + cost + ", limits=" + limits + defences + "]";
  }

  /**
   * Builds a {@link Policy}. Not thread-safe. Each option may be set once; {@link #limit} may be called
   * once per limit.
   */
  public static final class Builder {
    private final String name;
    private final List<Limit> limits = new ArrayList<>();
    private @Nullable String lane;
    private long cost;
    private @Nullable ConcurrencyLimit concurrency;
    private @Nullable LoopDetection loopDetection;
    private @Nullable BurstDetection burstDetection;
    private @Nullable Quarantine quarantine;
    private @Nullable Reputation reputation;
    private @Nullable Budget budget;

    private Builder(String name) {
      this.name = name;
    }

    /** Adds a limit. Unnamed limits are named after the policy ({@code "search"}, {@code "search-2"}). */
    public Builder limit(Limit limit) {
      limits.add(Objects.requireNonNull(limit, "limit"));
      return this;
    }

    /**
     * Sets the lane (default {@value Policy#DEFAULT_LANE}).
     *
     * @throws IllegalStateException if the lane was already set
     */
    public Builder lane(String laneName) {
      if (lane != null) {
        throw new IllegalStateException(
            "policy '" + name + "': lane was already set to '" + lane + "'");
      }
      lane = Grammar.checkName("policy '" + name + "': lane: name", laneName);
      return this;
    }

    /**
     * Sets the tokens one request takes (default 1).
     *
     * @throws IllegalArgumentException if {@code tokens <= 0}
     * @throws IllegalStateException if the cost was already set
     */
    public Builder cost(long tokens) {
      if (cost != 0) {
        throw new IllegalStateException(
            "policy '" + name + "': cost was already set to " + cost);
      }
      if (tokens <= 0) {
        throw new IllegalArgumentException(
            "policy '" + name + "': cost must be > 0 but was " + tokens);
      }
      cost = tokens;
      return this;
    }

    /**
     * Caps the agent's requests in flight under this policy.
     *
     * @throws IllegalStateException if already set
     */
    public Builder concurrency(ConcurrencyLimit limit) {
      concurrency = once("concurrency", concurrency, limit);
      return this;
    }

    /**
     * Detects retry loops; requests need a {@link RequestFingerprint} to be checked.
     *
     * @throws IllegalStateException if already set
     */
    public Builder loopDetection(LoopDetection detection) {
      loopDetection = once("loopDetection", loopDetection, detection);
      return this;
    }

    /**
     * Detects fan-out bursts against the agent's own baseline.
     *
     * @throws IllegalStateException if already set
     */
    public Builder burstDetection(BurstDetection detection) {
      burstDetection = once("burstDetection", burstDetection, detection);
      return this;
    }

    /**
     * Quarantines agents this policy keeps refusing, in the policy's lane.
     *
     * @throws IllegalStateException if already set
     */
    public Builder quarantine(Quarantine box) {
      quarantine = once("quarantine", quarantine, box);
      return this;
    }

    /**
     * Adapts the agent's rate to its reported outcomes.
     *
     * @throws IllegalStateException if already set
     */
    public Builder reputation(Reputation rep) {
      reputation = once("reputation", reputation, rep);
      return this;
    }

    /**
     * Charges requests to a cost budget settled after the response.
     *
     * @throws IllegalStateException if already set
     */
    public Builder budget(Budget costBudget) {
      budget = once("budget", budget, costBudget);
      return this;
    }

    private <T> T once(String what, @Nullable T current, T value) {
      Objects.requireNonNull(value, what);
      if (current != null) {
        throw new IllegalStateException(
            "policy '" + name + "': " + what + " was already set to " + current);
      }
      return value;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalArgumentException if there is no limit, two limits share a name, or the cost exceeds a
     *     limit's capacity
     */
    public Policy build() {
      if (limits.isEmpty()) {
        throw new IllegalArgumentException("policy '" + name + "': needs at least one limit");
      }
      long effectiveCost = cost == 0 ? 1 : cost;
      List<Limit> named = new ArrayList<>(limits.size());
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < limits.size(); i++) {
        Limit limit = limits.get(i);
        String limitName = limit.name();
        if (limitName == null) {
          limit = limit.named(i == 0 ? name : name + "-" + (i + 1));
          limitName = Objects.requireNonNull(limit.name());
        }
        if (!seen.add(limitName)) {
          throw new IllegalArgumentException(
              "policy '" + name + "': limit name '" + limitName + "' is used twice");
        }
        if (effectiveCost > limit.capacity()) {
          throw new IllegalArgumentException(
              "policy '"
                  + name
                  + "': limit '"
                  + limitName
                  + "': capacity "
                  + limit.capacity()
                  + " is below the cost "
                  + effectiveCost
                  + ", so no request could ever pass");
        }
        named.add(limit);
      }
      return new Policy(
          name,
          lane == null ? DEFAULT_LANE : lane,
          List.copyOf(named),
          effectiveCost,
          new Defences(concurrency, loopDetection, burstDetection, quarantine, reputation, budget));
    }
  }

  /** The optional defences beyond the buckets; a record for equality. */
  private record Defences(
      @Nullable ConcurrencyLimit concurrency,
      @Nullable LoopDetection loopDetection,
      @Nullable BurstDetection burstDetection,
      @Nullable Quarantine quarantine,
      @Nullable Reputation reputation,
      @Nullable Budget budget) {

    boolean any() {
      return concurrency != null
          || loopDetection != null
          || burstDetection != null
          || quarantine != null
          || reputation != null
          || budget != null;
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      append(sb, "concurrency", concurrency);
      append(sb, "loopDetection", loopDetection);
      append(sb, "burstDetection", burstDetection);
      append(sb, "quarantine", quarantine);
      append(sb, "reputation", reputation);
      append(sb, "budget", budget);
      return sb.toString();
    }

    private static void append(StringBuilder sb, String what, @Nullable Object value) {
      if (value != null) {
        sb.append(", ").append(what).append('=').append(value);
      }
    }
  }
}
