package dev.agentlimiter.api;

/**
 * The engine: decides, for one request at a time, whether an agent may proceed. Built by
 * {@code dev.agentlimiter.core.AgentLimiters.newBuilder()}.
 *
 * <p>Thread-safe. Decisions for one agent are linearizable: the tokens granted to concurrent requests never
 * exceed what the limits allow. A decision never throws because of limiter state; denial is a value.
 *
 * <p>Checks run in this order, and the first refusal wins (an HTTP request meets the five of {@link
 * #admit} first):
 *
 * <ol>
 *   <li><b>cost</b> within every limit's capacity ({@link Reason#INVALID_REQUEST});
 *   <li><b>quarantine</b>: the lanes' penalty boxes ({@link Reason#QUARANTINED}, nothing else touched);
 *   <li><b>loops</b>: the same request fingerprint repeated ({@link Reason#LOOP_DETECTED});
 *   <li><b>concurrency</b>: requests in flight per agent ({@link Reason#CONCURRENCY_LIMITED});
 *   <li><b>bursts</b> above the agent's baseline, when throttled ({@link Reason#RATE_LIMITED});
 *   <li><b>buckets</b>, the cost scaled by reputation ({@link Reason#RATE_LIMITED});
 *   <li><b>budgets</b>, reserved at the request's estimate ({@link Reason#RATE_LIMITED}).
 * </ol>
 *
 * <p>A refused request takes nothing from buckets, permits or budgets: each check gives back what the
 * checks before it took.
 */
public interface AgentLimiter {

  /**
   * Decides a request and, if it is admitted, takes its cost from every limit of every policy. Equivalent
   * to {@link #enter} followed at once by {@link Admission#close()}: a concurrency permit is checked but
   * not held, and budgets are charged the estimate. Its {@link DecisionEvent} is told before it returns.
   *
   * @return the decision, with the state of the limits evaluated
   */
  Decision decide(AgentRequest request);

  /**
   * Decides a request and, if it is admitted, holds what it uses until the returned admission ends: its
   * concurrency permits and budget reservations. The admission must be ended exactly once, with the
   * request's outcome if known; see {@link Admission}. The request's {@link DecisionEvent} is told when it
   * ends.
   */
  Admission enter(AgentRequest request);

  /**
   * Admits an HTTP request on a route: the adapters' one entry. Runs every check the engine has, in this
   * order (the one list of steps, checked against this list by a test), the first refusal winning:
   *
   * <ol>
   *   <li><b>request rules</b>: the route's {@link RequestRules} on the headers: required headers, content
   *       type, a declared {@code Content-Length} above the body limit ({@link Reason#INVALID_REQUEST});
   *   <li><b>credential-failure guard</b>, before any credential is checked: a client address that has
   *       failed too many credentials is refused ({@link Reason#RATE_LIMITED}) without any resolver being
   *       called, whether its credential is right or wrong;
   *   <li><b>identity</b>: the configured resolvers in order, the first that does not abstain deciding; a
   *       failed credential is {@link Reason#UNAUTHENTICATED} and charged to the client address; no
   *       credential is {@link Reason#UNAUTHENTICATED} unless the route {@linkplain Route#allowsAnonymous()
   *       serves anonymous callers}, who are keyed on their client address;
   *   <li><b>scopes</b>: the route's required scopes ({@link Reason#FORBIDDEN});
   *   <li><b>body</b>, read once, bounded, and replayed: size and JSON ({@link Reason#INVALID_REQUEST});
   *       the policies are chosen here, after the identity's tier overrides, with a fingerprint of the
   *       method, path, query and body prefix when a policy detects loops;
   *   <li>then the policies' checks, in the order of this interface's description: cost, quarantine,
   *       loops, concurrency, bursts, buckets, budgets.
   * </ol>
   *
   * <p>A refusal before the policies creates no per-identity state: a failed credential never allocates
   * anything for the identity it claims. Never throws because of the request; the admission must be ended
   * as {@link #enter(AgentRequest)}'s, and the application must read the body from {@link
   * Admission#replayBody()} when present. Its one {@link DecisionEvent} is told when the admission ends,
   * for a refusal as for an admission.
   */
  Admission admit(RequestView request, Route route);

  /**
   * Reports an outcome the application learned outside a request, such as a bounce or a spam report,
   * to the agent's {@linkplain Reputation reputation} under a policy. Does nothing if the policy has no
   * reputation; an actual cost in the outcome is ignored.
   */
  void report(AgentIdentity agent, Policy policy, Outcome outcome);

  /**
   * The fast path of {@link #decide}: one policy, its default cost, no decision object, no listener
   * event. Allocates nothing once the agent is tracked, when the policy has no defences beyond its limits;
   * otherwise it is {@code decide(AgentRequest.of(agent, policy)).isAllowed()}.
   *
   * @return whether the request is admitted (and its cost taken)
   */
  boolean tryAcquire(AgentIdentity agent, Policy policy);

  /** Inspection, reset and release, for operators and tests. */
  LimiterAdmin admin();
}
