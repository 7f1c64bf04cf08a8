package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.Reason;
import java.util.List;

/**
 * The checks of a request, in the one order they run: {@link #ORDER} is the only place that order is
 * written. {@link HttpGate} runs the {@linkplain #HTTP HTTP steps} over the request's {@link Exchange}, then
 * the engine runs the {@linkplain #POLICY policy steps} ({@link Pipeline}); the first refusal wins and undoes
 * what earlier steps took. A test checks this order against the one {@link
 * dev.agentlimiter.api.AgentLimiter#admit}'s Javadoc documents, step by step, by {@link #title()}.
 */
enum Step {
  /** The route's request rules on the headers: required headers, content type, declared length. */
  REQUEST_RULES("request rules", Reason.INVALID_REQUEST),
  /** The credential-failure guard, before any credential is checked. */
  CREDENTIAL_GUARD("credential-failure guard", Reason.RATE_LIMITED),
  /** The identity resolvers, strongest first. */
  IDENTITY("identity", Reason.UNAUTHENTICATED),
  /** The route's required scopes. */
  SCOPES("scopes", Reason.FORBIDDEN),
  /** The body, read once, bounded, and replayed: size and JSON. */
  BODY("body", Reason.INVALID_REQUEST),
  /** A cost no limit of a policy can ever hold. */
  COST("cost", Reason.INVALID_REQUEST),
  /** The lanes' penalty boxes; nothing else is touched. */
  QUARANTINE("quarantine", Reason.QUARANTINED),
  /** Retry loops: the same request fingerprint repeated. */
  LOOPS("loops", Reason.LOOP_DETECTED),
  /** Requests in flight per agent. */
  CONCURRENCY("concurrency", Reason.CONCURRENCY_LIMITED),
  /** Throttled bursts above the agent's baseline. */
  BURSTS("bursts", Reason.RATE_LIMITED),
  /** The token buckets, cost scaled by reputation. */
  BUCKETS("buckets", Reason.RATE_LIMITED),
  /** The budgets, reserved at their estimate. */
  BUDGETS("budgets", Reason.RATE_LIMITED);

  /** Every step, in the order they run. */
  static final List<Step> ORDER = List.of(values());

  /**
   * The steps before the policies, over the HTTP request ({@link HttpGate}): an array, so that running
   * them allocates no iterator.
   */
  static final Step[] HTTP = ORDER.subList(0, ORDER.indexOf(COST)).toArray(new Step[0]);

  /** The steps of the policies ({@link Pipeline}), for {@code admit}, {@code enter} and {@code decide}. */
  static final Step[] POLICY = ORDER.subList(ORDER.indexOf(COST), ORDER.size()).toArray(new Step[0]);

  private final String title;
  private final Reason refusal;

  Step(String title, Reason refusal) {
    this.title = title;
    this.refusal = refusal;
  }

  /** The step's name in the documentation. */
  String title() {
    return title;
  }

  /** The reason of the step's refusals. */
  Reason refusal() {
    return refusal;
  }
}
