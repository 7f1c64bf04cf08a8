package dev.agentlimiter.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP side of the engine ({@link Limiter#admit(RequestView, Route)}): request rules, the
 * credential-failure guard, identity, scopes, tier overrides, body and fingerprint, then the policy
 * pipeline. Thread-safe; besides the guard's buckets (the engine's), it keeps the set of addresses with a
 * failed credential on record.
 *
 * <p><b>The guard is consulted before any credential is checked.</b> Every rejected credential takes a
 * token of its client address's {@value AgentLimiters#CREDENTIAL_FAILURES_POLICY} bucket and puts the
 * address on record until that bucket would be full again. A request from an address on record takes a
 * token <em>before</em> the resolver chain runs, given back unless its credential is rejected: an address
 * with none left is refused ({@code RATE_LIMITED}, the exact wait for a token) without a resolver being
 * called, for right and wrong credentials alike, and however many it sends at once it never gets more
 * rejected credentials checked than the allowance. An address with no failure on record (every honest
 * agent) is checked without a reservation, so valid credentials checked at once, however many and however
 * slow the resolver, are never refused for it; the price is that the failures of an address not on record
 * (never, or not since its bucket refilled), those already being checked when the first one lands, are
 * charged after their check, so such a burst may exceed the allowance by the checks it had running at once.
 */
final class HttpGate {

  /** What the caller is told for every failed or missing credential: nothing that helps guess a key. */
  static final String UNAUTHENTICATED_DETAIL = "a valid credential is required";

  /** Cause of a failure of the resolver itself (it threw); the credential is refused, never admitted. */
  static final String RESOLVER_ERROR = "resolver-error";

  /**
   * Cause, in the {@link dev.agentlimiter.api.DecisionEvent}, of a request refused by the credential-failure
   * guard: its address has failed too many credentials, and its own was not checked.
   */
  static final String CREDENTIALS_NOT_CHECKED = "credential-failures-exhausted";

  final Engine engine;
  private final RequestIds requestIds;
  private final IdentityResolver[] chain;
  private final IdentityResolver anonymous;
  private final Map<String, Map<String, Policy>> tierOverrides;
  private final BoundPolicy credentialFailures;
  /**
   * Client address key → engine nanos until which its failure bucket is not full: addresses with a
   * rejected credential on record, whose every check takes a token first. Bounded like every table.
   */
  private final Cache<String, Long> onRecord;

  /**
   * What the builder configured for the HTTP side.
   *
   * @param chain the identity resolvers, strongest first
   * @param anonymous the client-address resolver, which always identifies
   * @param tierOverrides tier → policy name → the policy that replaces it for that tier
   * @param credentialFailures the policy that limits failed credentials per client address
   */
  record Config(
      List<IdentityResolver> chain,
      IdentityResolver anonymous,
      Map<String, Map<String, Policy>> tierOverrides,
      Policy credentialFailures,
      RequestIds requestIds) {}

  HttpGate(Engine engine, Config config, long maximumAddresses) {
    this.engine = engine;
    this.requestIds = config.requestIds();
    this.chain = config.chain().toArray(new IdentityResolver[0]);
    this.anonymous = config.anonymous();
    this.tierOverrides = config.tierOverrides();
    this.credentialFailures = engine.bind(config.credentialFailures());
    this.onRecord =
        Caffeine.newBuilder()
            .maximumSize(maximumAddresses)
            .expireAfter(Expiry.<String, Long>writing((address, until) -> untilNow(until)))
            .ticker(engine.clock::cacheNow)
            .executor(Runnable::run)
            .build();
  }

  /** How long an address stays on record from now: Caffeine reads it once, when the entry is written. */
  private Duration untilNow(long untilNanos) {
    return Duration.ofNanos(Math.max(1, untilNanos - engine.clock.now()));
  }

  /**
   * Admits an HTTP request on {@code route}: the steps up to the policies, then the engine's. The returned
   * exchange tells the listener its one decision event when it ends.
   *
   * @param pattern the route's pattern as the adapter matched it, for the event, or {@code null}
   * @param shadow whether the adapter reports the route's refusals without enforcing them
   */
  Exchange admit(RequestView request, Route route, @Nullable String pattern, boolean shadow) {
    long started = engine.listening ? System.nanoTime() : 0;
    Exchange x = decide(request, route);
    if (x.decision().isAllowed()) {
      engine.openRequests.increment();
    }
    if (engine.listening) {
      x.observed(request, pattern, shadow, requestIds.of(request), started);
    } else if (!x.decision().isAllowed()) {
      engine.refusedQuietly(x.agent().orElseGet(() -> x.client(request)), x.decision());
    }
    return x;
  }

  private Exchange decide(RequestView request, Route route) {
    RequestRules rules = route.rules();
    if (!rules.isEmpty()) {
      Decision invalid = RequestCheck.checkHeaders(rules, request);
      if (invalid != null) {
        return refused(invalid, null, null, null);
      }
    }

    // identity, behind the guard (see identify)
    AgentIdentity agent = null;
    AgentIdentity client = null;
    if (chain.length > 0) {
      Credential credential = identify(request, chain);
      Decision refusal = credential.refusal();
      if (refusal != null) {
        Exchange x = refused(refusal, null, credential.client(), null);
        if (credential.notChecked()) {
          x.cause = CREDENTIALS_NOT_CHECKED;
        }
        return x;
      }
      agent = credential.agent();
      client = credential.client();
    }
    if (agent == null) {
      if (!route.allowsAnonymous() || !route.requiredScopes().isEmpty()) {
        return refused(
            Decision.refused(
                Reason.UNAUTHENTICATED, Decision.CAUSE_MISSING_CREDENTIAL, UNAUTHENTICATED_DETAIL),
            null,
            client,
            null);
      }
      agent = client != null ? client : clientOf(request);
    }

    if (!route.requiredScopes().isEmpty()) {
      for (String scope : route.requiredScopes()) {
        if (!agent.scopes().contains(scope)) {
          return refused(
              Decision.refused(Reason.FORBIDDEN, Decision.CAUSE_MISSING_SCOPE, "missing scope '" + scope + "'"),
              agent,
              null,
              null);
        }
      }
    }

    List<Policy> policies = policiesFor(route, agent.tier());
    boolean loops = detectsLoops(policies);
    RequestCheck.BodyRead body = null;
    if (rules.readsBody() || loops) {
      body = RequestCheck.readBody(rules, request, loops ? RequestFingerprint.DEFAULT_BODY_PREFIX_BYTES : 0);
      Decision invalid = body.refusal();
      if (invalid != null) {
        return refused(invalid, agent, null, body);
      }
    }

    AgentRequest admitted = AgentRequest.of(agent, policies);
    if (loops) {
      RequestFingerprint.Builder print = RequestFingerprint.builder(request.method(), request.path());
      String query = request.query();
      if (query != null) {
        print.query(query);
      }
      if (body != null) {
        print.body(body.bytes(), 0, Math.min(body.length(), RequestFingerprint.DEFAULT_BODY_PREFIX_BYTES));
      }
      admitted = admitted.withFingerprint(print.build());
    }
    return new Exchange(this, engine.enterQuietly(admitted), agent, client, policies, body);
  }

  /**
   * Charges a rejected credential to the address (unless its reservation already did) and keeps the address
   * on record until its bucket would be full again.
   */
  private void charge(String address, boolean reserved) {
    long now = engine.clock.now();
    long[] probe = new long[credentialFailures.limitCount * PolicyState.PROBE_STRIDE];
    if (reserved) {
      credentialFailures.state.inspect(address, 1, now, probe, 0);
    } else {
      // charged after the check; refused only if concurrent failures emptied the bucket meanwhile
      credentialFailures.state.tryConsume(address, 1, now, probe, 0);
    }
    long untilFull = 0;
    for (int i = 0; i < credentialFailures.limitCount; i++) {
      untilFull = Math.max(untilFull, probe[i * PolicyState.PROBE_STRIDE + 1]);
    }
    // compared by difference, like System.nanoTime(); addExact would throw into the request
    onRecord.put(address, now + Math.max(1, untilFull));
  }

  /**
   * What the credential step concluded: an identity, no credential at all ({@code agent} and {@code refusal}
   * both {@code null}), or a refusal (a rejected credential, or an address the guard refuses).
   *
   * @param client the client's identity by address, if the step needed it
   * @param notChecked whether the refusal is the guard's, with no credential checked
   */
  record Credential(
      @Nullable AgentIdentity agent, @Nullable AgentIdentity client, @Nullable Decision refusal,
      boolean notChecked) {}

  /**
   * Runs {@code resolvers} behind the credential-failure guard, as every request of {@link #admit} runs the
   * configured chain: an address with a failure on record takes a token of its failure bucket before any
   * credential is checked, given back unless the credential is rejected; a rejected credential is charged to
   * the address. The first resolver that does not abstain decides; one that throws rejects ({@value
   * #RESOLVER_ERROR}). Also the admin endpoint's own check ({@link AdminEndpoint}), so that guessing its
   * key spends the same allowance as guessing an agent's. Creates no per-identity state.
   */
  Credential identify(RequestView request, IdentityResolver[] resolvers) {
    AgentIdentity client = null;
    String address = null;
    long now = 0;
    boolean reserved = false;
    if (onRecord.estimatedSize() > 0) {
      client = clientOf(request);
      address = StateKeys.of(client);
      if (onRecord.getIfPresent(address) != null) {
        now = engine.clock.now();
        if (!credentialFailures.state.tryConsume(address, 1, now)) {
          return new Credential(null, client, addressRefusal(address, now), true);
        }
        reserved = true;
      }
    }
    AgentIdentity agent = null;
    String rejected = null;
    try {
      for (IdentityResolver resolver : resolvers) {
        IdentityResult result;
        try {
          result = resolver.resolve(request);
        } catch (RuntimeException e) {
          result = new IdentityResult.Rejected(RESOLVER_ERROR);
        }
        if (result instanceof IdentityResult.Identified identified) {
          agent = identified.identity();
          break;
        }
        if (result instanceof IdentityResult.Rejected r) {
          rejected = r.cause();
          break;
        }
      }
    } finally {
      if (reserved && rejected == null && address != null) {
        credentialFailures.state.refund(address, 1, now); // identified, or no credential: no charge
      }
    }
    if (rejected != null) {
      if (client == null) {
        client = clientOf(request);
        address = StateKeys.of(client);
      }
      charge(java.util.Objects.requireNonNull(address), reserved);
      return new Credential(
          null, client, Decision.refused(Reason.UNAUTHENTICATED, rejected, UNAUTHENTICATED_DETAIL), false);
    }
    return new Credential(agent, client, null, false);
  }

  /**
   * The refusal of an address whose failure bucket is empty: no credential of it was checked. The wait is
   * the exact time until the bucket holds a token again.
   */
  private Decision addressRefusal(String address, long now) {
    long[] probe = new long[credentialFailures.limitCount * PolicyState.PROBE_STRIDE];
    credentialFailures.state.inspect(address, 1, now, probe, 0);
    if (probe[2] > 0) {
      return Engine.refusal(credentialFailures, probe, 0);
    }
    // a token came back between the two readings (another request's refund): still refused, briefly
    return Decision.denied(Reason.RATE_LIMITED, credentialFailures.policy.name(), Duration.ofNanos(1));
  }

  AgentIdentity clientOf(RequestView request) {
    IdentityResult result = anonymous.resolve(request);
    if (result instanceof IdentityResult.Identified identified) {
      return identified.identity();
    }
    throw new IllegalStateException("the client-address resolver must always identify");
  }

  /**
   * A refusal by an HTTP step; {@code body} is what was read of the body, if the refusal came after reading
   * it.
   */
  private Exchange refused(
      Decision decision,
      @Nullable AgentIdentity agent,
      @Nullable AgentIdentity client,
      RequestCheck.@Nullable BodyRead body) {
    return new Exchange(this, new EngineAdmission.Ended(decision), agent, client, null, body);
  }

  private List<Policy> policiesFor(Route route, String tier) {
    List<Policy> policies = route.policies();
    Map<String, Policy> overrides = tierOverrides.get(tier);
    if (overrides == null) {
      return policies;
    }
    List<Policy> out = new ArrayList<>(policies.size());
    for (Policy p : policies) {
      out.add(overrides.getOrDefault(p.name(), p));
    }
    return out;
  }

  private static boolean detectsLoops(List<Policy> policies) {
    for (int i = 0; i < policies.size(); i++) {
      if (policies.get(i).loopDetection().isPresent()) {
        return true;
      }
    }
    return false;
  }
}
