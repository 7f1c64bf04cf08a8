package dev.agentlimiter.api;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the engine needs to know about one request: who is calling, which policies the route carries, and
 * what the request costs. Adapters build one per request. Immutable and thread-safe.
 *
 * <p>Later releases add the HTTP view (method, route, headers) through further {@code with} methods; the
 * factory methods stay.
 */
public final class AgentRequest {

  private final AgentIdentity agent;
  private final List<Policy> policies;
  private final long cost;
  private final long estimate;
  private final @Nullable RequestFingerprint fingerprint;

  private AgentRequest(
      AgentIdentity agent,
      List<Policy> policies,
      long cost,
      long estimate,
      @Nullable RequestFingerprint fingerprint) {
    this.agent = agent;
    this.policies = policies;
    this.cost = cost;
    this.estimate = estimate;
    this.fingerprint = fingerprint;
  }

  /** A request that costs each policy its {@linkplain Policy#cost() default cost}. */
  public static AgentRequest of(AgentIdentity agent, Policy policy) {
    return new AgentRequest(
        Objects.requireNonNull(agent, "agent"),
        List.of(Objects.requireNonNull(policy, "policy")),
        0,
        -1,
        null);
  }

  /**
   * A request under several policies, each at its default cost.
   *
   * @throws IllegalArgumentException if two policies share a name
   */
  public static AgentRequest of(AgentIdentity agent, List<Policy> policies) {
    return new AgentRequest(Objects.requireNonNull(agent, "agent"), checked(policies), 0, -1, null);
  }

  /**
   * This request with a cost that replaces every policy's default, for weighted requests (for example a
   * batch of 10 items costs 10).
   *
   * @throws IllegalArgumentException if {@code tokens <= 0}
   */
  public AgentRequest withCost(long tokens) {
    if (tokens <= 0) {
      throw new IllegalArgumentException("request: cost must be > 0 but was " + tokens);
    }
    return new AgentRequest(agent, policies, tokens, estimate, fingerprint);
  }

  /**
   * This request with the estimated cost reserved from {@linkplain Budget budgets} before it runs (default:
   * the request's cost under the policy); the actual cost settles it afterwards.
   *
   * @throws IllegalArgumentException if {@code units} is negative or above {@code Long.MAX_VALUE / 4}
   */
  public AgentRequest withEstimate(long units) {
    if (units < 0 || units > Long.MAX_VALUE / 4) {
      throw new IllegalArgumentException(
          "request: estimate must be between 0 and " + Long.MAX_VALUE / 4 + " but was " + units);
    }
    return new AgentRequest(agent, policies, cost, units, fingerprint);
  }

  /** This request with the fingerprint that {@linkplain LoopDetection loop detection} compares. */
  public AgentRequest withFingerprint(RequestFingerprint print) {
    return new AgentRequest(
        agent, policies, cost, estimate, Objects.requireNonNull(print, "fingerprint"));
  }

  /** The fingerprint, or {@code null} if the caller gave none (then loops are not checked). */
  public @Nullable RequestFingerprint fingerprint() {
    return fingerprint;
  }

  /** The estimate reserved from {@code policy}'s budget. */
  public long estimateFor(Policy policy) {
    return estimate < 0 ? costFor(policy) : estimate;
  }

  private static List<Policy> checked(List<Policy> policies) {
    List<Policy> copy = List.copyOf(policies);
    for (int i = 0; i < copy.size(); i++) {
      for (int j = i + 1; j < copy.size(); j++) {
        if (copy.get(i).name().equals(copy.get(j).name())) {
          throw new IllegalArgumentException(
              "request: policy '" + copy.get(i).name() + "' is listed twice");
        }
      }
    }
    return copy;
  }

  /** Who is calling. */
  public AgentIdentity agent() {
    return agent;
  }

  /** The policies that apply, in evaluation order. */
  public List<Policy> policies() {
    return policies;
  }

  /** The cost this request takes from every limit of {@code policy}. */
  public long costFor(Policy policy) {
    return cost == 0 ? policy.cost() : cost;
  }

  @Override
  public String toString() {
    return "AgentRequest["
        + agent.id()
        + ", policies="
        + policies.stream().map(Policy::name).toList()
        + (cost == 0 ? "" : ", cost=" + cost)
        + (estimate < 0 ? "" : ", estimate=" + estimate)
        + (fingerprint == null ? "" : ", fingerprint=" + fingerprint)
        + "]";
  }
}
