package dev.agentlimiter.core.internal.engine;

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
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.core.internal.state.StateKeys;
import dev.agentlimiter.core.internal.validation.RequestCheck;
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
public final class HttpGate {

  /** What the caller is told for every failed or missing credential: nothing that helps guess a key. */
  public static final String UNAUTHENTICATED_DETAIL = "a valid credential is required";

  /** The guard's cause, {@link Decision#CAUSE_CREDENTIAL_FAILURES_EXHAUSTED}, by the name the tests know. */
  static final String CREDENTIALS_NOT_CHECKED = Decision.CAUSE_CREDENTIAL_FAILURES_EXHAUSTED;

  /** The route of {@link #identify}'s exchange: the credential steps read none of it. */
  private static final Route NO_ROUTE = Route.builder().build();

  final Engine engine;
  final RequestIds requestIds;
  private final IdentityResolver[] chain;
  private final IdentityResolver anonymous;

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
   */
  public record Config(List<IdentityResolver> chain, IdentityResolver anonymous, RequestIds requestIds) {}

  public HttpGate(Engine engine, Config config, long maximumAddresses) {
    this.engine = engine;
    this.requestIds = config.requestIds();
    this.chain = config.chain().toArray(new IdentityResolver[0]);
    this.anonymous = config.anonymous();
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
  Exchange admit(
      RequestView request, Route route, @Nullable String pattern, boolean shadow, Snapshot snapshot) {
    long started = engine.listening ? System.nanoTime() : 0;
    Exchange x = decide(request, route, snapshot);
    if (x.decision().isAllowed()) {
      engine.openRequests.increment();
    }
    boolean refused = !x.decision().isAllowed();
    if (engine.listening && (refused || engine.listeningAdmissions)) {
      x.observed(request, pattern, shadow, x.requestId(), started);
    } else if (refused) {
      engine.refusedQuietly(x.agent().orElseGet(() -> x.client(request)), x.decision());
    }
    return x;
  }

  /**
   * Runs the {@linkplain Step#HTTP HTTP steps} in their one order over a new exchange, then hands the
   * request to the engine's policy steps. The first refusal wins; the guard's reservation is settled by the
   * identity step whatever its result.
   */
  private Exchange decide(RequestView request, Route route, Snapshot snapshot) {
    Exchange x = new Exchange(this, snapshot, route, request);
    for (Step step : Step.HTTP) {
      Decision refusal =
          switch (step) {
            case REQUEST_RULES -> requestRules(x, request);
            case CREDENTIAL_GUARD -> credentialGuard(x, request, chain);
            case IDENTITY -> identity(x, request);
            case SCOPES -> scopes(x);
            case BODY -> body(x, request);
            default -> throw new AssertionError("not an HTTP step: " + step);
          };
      if (refusal != null) {
        return x.refused(refusal);
      }
    }
    return x.admitted(
        engine.enterQuietly(x.agentRequest(), x, java.util.Objects.requireNonNull(x.bounds)));
  }

  /** {@link Step#REQUEST_RULES}: required headers, content type, declared length. */
  private static @Nullable Decision requestRules(Exchange x, RequestView request) {
    RequestRules rules = x.route.rules();
    return rules.isEmpty() ? null : RequestCheck.checkHeaders(rules, request);
  }

  /**
   * {@link Step#CREDENTIAL_GUARD}: an address with a failure on record takes a token of its failure bucket
   * before any credential is checked (given back by {@link #identity} unless the credential is rejected);
   * with none left it is refused, no resolver called.
   */
  private @Nullable Decision credentialGuard(Exchange x, RequestView request, IdentityResolver[] resolvers) {
    if (resolvers.length == 0 || onRecord.estimatedSize() == 0) {
      return null;
    }
    AgentIdentity client = x.client(request);
    String address = StateKeys.of(client);
    if (onRecord.getIfPresent(address) == null) {
      return null;
    }
    long now = engine.clock.now();
    BoundPolicy credentialFailures = x.snapshot.credentialFailures;
    if (!credentialFailures.state.tryConsume(address, 1, now)) {
      x.cause = Decision.CAUSE_CREDENTIAL_FAILURES_EXHAUSTED;
      return addressRefusal(credentialFailures, address, now);
    }
    x.reservedAt = now;
    x.reserved = true;
    return null;
  }

  /**
   * {@link Step#IDENTITY}: the resolvers in order, the first that does not abstain deciding. A rejected
   * credential is charged to the client address; no credential is refused unless the route serves
   * anonymous callers, keyed on their address.
   */
  private @Nullable Decision identity(Exchange x, RequestView request) {
    Decision rejected = resolve(x, request, chain);
    if (rejected != null) {
      return rejected;
    }
    Route route = x.route;
    if (x.agent == null) {
      if (!route.allowsAnonymous() || !route.requiredScopes().isEmpty()) {
        return Decision.refused(
            Reason.UNAUTHENTICATED, Decision.CAUSE_MISSING_CREDENTIAL, UNAUTHENTICATED_DETAIL);
      }
      x.agent = x.client(request);
    }
    return null;
  }

  /**
   * The resolvers in order behind the guard's reservation, the first that does not abstain deciding: sets
   * the exchange's agent if one identifies, and answers the refusal of a rejected credential (charged to
   * the client address), or {@code null}. The guard's token is given back unless the credential was
   * rejected; one that throws rejects ({@value IdentityResult.Rejected#RESOLVER_ERROR}).
   */
  private @Nullable Decision resolve(Exchange x, RequestView request, IdentityResolver[] resolvers) {
    AgentIdentity agent = null;
    String rejected = null;
    try {
      for (IdentityResolver resolver : resolvers) {
        IdentityResult result;
        try {
          result = resolver.resolve(request);
        } catch (RuntimeException e) {
          result = new IdentityResult.Rejected(IdentityResult.Rejected.RESOLVER_ERROR);
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
      if (x.reserved && rejected == null) {
        // identified, or no credential: no charge
        x.snapshot.credentialFailures.state.refund(StateKeys.of(x.client(request)), 1, x.reservedAt);
      }
    }
    if (rejected != null) {
      charge(x.snapshot.credentialFailures, StateKeys.of(x.client(request)), x.reserved);
      return Decision.refused(Reason.UNAUTHENTICATED, rejected, UNAUTHENTICATED_DETAIL);
    }
    x.agent = agent;
    return null;
  }

  /**
   * What the credential steps concluded for another chain of resolvers: an identity, no credential at all
   * ({@code agent} and {@code refusal} both {@code null}), or a refusal (a rejected credential, or an
   * address the guard refuses).
   *
   * @param client the client's identity by address, if the steps needed it
   * @param notChecked whether the refusal is the guard's, with no credential checked
   */
  public record Credential(
      @Nullable AgentIdentity agent, @Nullable AgentIdentity client, @Nullable Decision refusal,
      boolean notChecked) {}

  /**
   * Runs {@code resolvers} through the same two steps as every request's chain ({@link
   * Step#CREDENTIAL_GUARD}, then {@link #resolve}): the admin endpoint's own check ({@link AdminEndpoint}),
   * so that guessing its key spends the same allowance as guessing an agent's. Creates no per-identity
   * state.
   */
  public Credential identify(RequestView request, IdentityResolver[] resolvers) {
    Exchange x = new Exchange(this, engine.current(), NO_ROUTE, request);
    Decision refusal = credentialGuard(x, request, resolvers);
    if (refusal == null) {
      refusal = resolve(x, request, resolvers);
    }
    boolean notChecked = Decision.CAUSE_CREDENTIAL_FAILURES_EXHAUSTED.equals(x.cause);
    return new Credential(refusal == null ? x.agent : null, x.knownClient(), refusal, notChecked);
  }

  /** {@link Step#SCOPES}: every scope the route requires. */
  private static @Nullable Decision scopes(Exchange x) {
    AgentIdentity agent = java.util.Objects.requireNonNull(x.agent);
    for (String scope : x.route.requiredScopes()) {
      if (!agent.scopes().contains(scope)) {
        return Decision.refused(Reason.FORBIDDEN, Decision.CAUSE_MISSING_SCOPE, "missing scope '" + scope + "'");
      }
    }
    return null;
  }

  /**
   * {@link Step#BODY}: the policies after the agent's tier overrides; the body, read once and bounded, when
   * the rules check it or a policy detects loops (whose fingerprint takes its prefix).
   */
  private @Nullable Decision body(Exchange x, RequestView request) {
    AgentIdentity agent = java.util.Objects.requireNonNull(x.agent);
    BoundPolicy[] bounds = bind(x.snapshot, x.route, agent.tier());
    List<Policy> policies = policiesOf(x.route, bounds);
    x.bounds = bounds;
    x.policies = policies;
    RequestRules rules = x.route.rules();
    boolean loops = detectsLoops(policies);
    RequestCheck.BodyRead body = null;
    if (rules.readsBody() || loops) {
      body = RequestCheck.readBody(rules, request, loops ? RequestFingerprint.DEFAULT_BODY_PREFIX_BYTES : 0);
      x.body = body;
      Decision invalid = body.refusal();
      if (invalid != null) {
        return invalid;
      }
    }
    if (loops) {
      RequestFingerprint.Builder print = RequestFingerprint.builder(request.method(), request.path());
      String query = request.query();
      if (query != null) {
        print.query(query);
      }
      if (body != null) {
        print.body(body.bytes(), 0, Math.min(body.length(), RequestFingerprint.DEFAULT_BODY_PREFIX_BYTES));
      }
      x.fingerprint = print.build();
    }
    return null;
  }

  /**
   * Charges a rejected credential to the address (unless its reservation already did) and keeps the address
   * on record until its bucket would be full again.
   */
  private void charge(BoundPolicy credentialFailures, String address, boolean reserved) {
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
   * The refusal of an address whose failure bucket is empty: no credential of it was checked. The wait is
   * the exact time until the bucket holds a token again.
   */
  private static Decision addressRefusal(BoundPolicy credentialFailures, String address, long now) {
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
   * The route's policies as the snapshot {@code s} binds them for an agent of {@code tier}: each name the
   * tier overrides by its replacement, else by the configuration's policy of that name, else by the route's
   * own definition.
   *
   * @throws IllegalStateException if the route only names a policy the configuration does not define
   *     (adapters check their routes when they start, and a configuration that drops one is refused)
   */
  private BoundPolicy[] bind(Snapshot s, Route route, String tier) {
    List<String> names = route.policyNames();
    int n = names.size();
    BoundPolicy[] out = n == 1 ? null : new BoundPolicy[n]; // one policy: its shared array, no copy
    Map<String, BoundPolicy> overrides = s.tiers.isEmpty() ? null : s.tiers.get(tier);
    for (int i = 0; i < n; i++) {
      String name = names.get(i);
      BoundPolicy b = overrides == null ? null : overrides.get(name);
      if (b == null) {
        b = s.bound.get(name);
      }
      if (b == null) {
        Policy own = route.definition(name);
        if (own == null) {
          throw new IllegalStateException(
              "policy '" + name + "' of " + route + " is not defined by the configuration (generation "
                  + s.generation + ")");
        }
        b = engine.bind(s, own);
      }
      if (out == null) {
        return b.alone;
      }
      out[i] = b;
    }
    return java.util.Objects.requireNonNull(out); // n != 1: the loop filled it
  }

  /** The policies of {@code bounds}: the route's own list when they are its definitions, unchanged. */
  private static List<Policy> policiesOf(Route route, BoundPolicy[] bounds) {
    List<Policy> own = route.policies();
    if (own.size() == bounds.length) {
      boolean same = true;
      for (int i = 0; i < bounds.length && same; i++) {
        same = isSame(own.get(i), bounds[i].policy);
      }
      if (same) {
        return own;
      }
    }
    return Engine.policiesOf(bounds);
  }

  /** Identity, not equality: the route's own list is reused only if it holds these very values. */
  @SuppressWarnings("ReferenceEquality")
  private static boolean isSame(Policy a, Policy b) {
    return a == b;
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
