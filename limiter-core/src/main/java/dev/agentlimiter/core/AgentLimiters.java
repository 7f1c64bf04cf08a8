package dev.agentlimiter.core;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Grammar;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.TimeSource;
import dev.agentlimiter.core.config.PolicyFile;
import dev.agentlimiter.core.config.PolicyFiles;
import dev.agentlimiter.core.identity.FileApiKeyStore;
import dev.agentlimiter.core.identity.ForwardedHeader;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.internal.defence.TopOffenders;
import dev.agentlimiter.core.internal.engine.Engine;
import dev.agentlimiter.core.internal.engine.EngineAdmin;
import dev.agentlimiter.core.internal.engine.HttpGate;
import dev.agentlimiter.core.internal.engine.Limiter;
import dev.agentlimiter.core.internal.engine.RequestIds;
import dev.agentlimiter.core.internal.state.EngineClock;
import dev.agentlimiter.core.internal.state.LocalStateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link AgentLimiter}s. The only entry point of the core module:
 *
 * <pre>{@code
 * AgentLimiter limiter = AgentLimiters.newBuilder()
 *     .maximumTrackedAgents(100_000)
 *     .idleExpiry(Duration.ofMinutes(15))
 *     .build();
 * }</pre>
 */
public final class AgentLimiters {

  /** Default bound on tracked (policy, agent) pairs. */
  public static final long DEFAULT_MAXIMUM_TRACKED_AGENTS = 100_000;

  /** Default time after which an idle agent's state is dropped (and remembered in the ledger). */
  public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofMinutes(15);

  /**
   * Default limit on failed credentials per client address: 20 at once, then 20 per minute. Beyond it the
   * address is refused ({@code RATE_LIMITED}, policy {@value #CREDENTIAL_FAILURES_POLICY}) without its
   * credentials being checked, until the bucket has a token again: the guard is consulted before any
   * resolver runs, so once an address has a failure on record no window checks more of its rejected
   * credentials than this allows (see {@code docs/identity.md} for a burst from an address not on record).
   */
  public static final Limit DEFAULT_CREDENTIAL_FAILURE_LIMIT =
      Limit.capacity(20).refill(20).per(Duration.ofMinutes(1)).named("failures");

  /** Default number of agents the top-offenders sketch keeps. */
  static final int DEFAULT_OFFENDER_CAPACITY = 256;

  /** Default window of the top offenders. */
  static final Duration DEFAULT_OFFENDER_WINDOW = Duration.ofMinutes(10);

  /** The name of the policy that limits failed credentials per client address. */
  public static final String CREDENTIAL_FAILURES_POLICY = "invalid-credentials";

  private AgentLimiters() {}

  /** A builder with the defaults: system clock, 100,000 tracked agents, 15 minutes idle expiry. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Configures an {@link AgentLimiter}. Not thread-safe; each option may be set once. The built limiter is
   * independent of the builder and of every other limiter (no global state).
   */
  public static final class Builder {
    private @Nullable TimeSource timeSource;
    private long maximumTrackedAgents = -1;
    private @Nullable Duration idleExpiry;
    private @Nullable LimiterListener listener;
    private @Nullable Clock wallClock;
    private final List<Policy> policies = new ArrayList<>();
    private @Nullable List<IdentityResolver> identity;
    private @Nullable List<String> trustedProxies;
    private @Nullable ForwardedHeader forwardedHeader;
    private @Nullable Limit credentialFailureLimit;
    private final Map<String, Map<String, Policy>> tierOverrides = new LinkedHashMap<>();
    private @Nullable PolicySet policySet;
    private @Nullable PolicyFile policyFile;
    private @Nullable String policyFileOrigin;
    private @Nullable RequestIds requestIds;
    private int offenderCapacity = -1;
    private @Nullable Duration offenderWindow;

    private Builder() {}

    /**
     * Sets the headers a request's id is read from, for its {@link dev.agentlimiter.api.DecisionEvent}, in
     * order (default {@code traceparent}, whose trace id is taken, then {@code X-Request-Id}). A value is
     * taken only if well formed: a {@code traceparent} by the W3C Trace Context, any other 1 to 128
     * characters of {@code [A-Za-z0-9._:-]}; otherwise, and when no header is present, an id is generated.
     * Pass none to always generate.
     *
     * @throws IllegalArgumentException if a name is not a header name
     * @throws IllegalStateException if already set
     */
    public Builder requestIdHeaders(String... headers) {
      if (requestIds != null) {
        throw new IllegalStateException("requestIdHeaders was already set to " + requestIds.headers());
      }
      requestIds = new RequestIds(List.of(headers));
      return this;
    }

    /**
     * Sizes the top-offenders sketch behind {@link dev.agentlimiter.api.LimiterAdmin#topOffenders}
     * (default 256 agents over 10 minutes): memory is fixed by {@code capacity} whatever number of
     * identities arrives, and an agent refused more than a {@code 1/capacity} share of the window's
     * refusals is always listed.
     *
     * @throws IllegalArgumentException if {@code capacity} is not between 1 and 65,536 or the window is
     *     shorter than a second or longer than 365 days
     * @throws IllegalStateException if already set
     */
    public Builder topOffenders(int capacity, Duration window) {
      if (offenderWindow != null) {
        throw new IllegalStateException("topOffenders was already set");
      }
      new TopOffenders(capacity, window); // validates now, with the sketch's own messages
      offenderCapacity = capacity;
      offenderWindow = window;
      return this;
    }

    /**
     * Sets the identity resolvers for {@link AgentLimiter#admit(dev.agentlimiter.api.RequestView,
     * dev.agentlimiter.api.Route)}, strongest first; the first that does not abstain decides, and a
     * credential that fails stops the chain. Default: none, so only routes that serve anonymous callers
     * admit anyone. See {@code dev.agentlimiter.core.identity.IdentityResolvers}.
     *
     * @throws IllegalArgumentException if empty
     * @throws IllegalStateException if already set
     */
    public Builder identity(IdentityResolver... resolvers) {
      if (identity != null) {
        throw new IllegalStateException("identity was already set");
      }
      if (resolvers.length == 0) {
        throw new IllegalArgumentException("identity: at least one resolver is needed");
      }
      identity = List.of(resolvers);
      return this;
    }

    /**
     * Sets the proxies whose forwarding header is believed when keying anonymous callers and failed
     * credentials on their client address. Default: none, so the socket address is used and no header can
     * change it. When the direct peer is inside one of these blocks, <b>only the {@linkplain
     * #forwardedHeader one configured header}</b> ({@code X-Forwarded-For} unless set) is read, from the
     * right: each hop inside these blocks is skipped and the first address outside them is the client.
     * Every other forwarding header is ignored, so a client cannot pick the header that is read. List only
     * your own proxies; see {@code docs/identity.md} for each proxy's setup and for configuring the
     * container to match.
     *
     * @param cidrs blocks such as {@code "10.0.0.0/8"} or {@code "2001:db8::/32"}
     * @throws IllegalArgumentException if a block is malformed, naming it
     * @throws IllegalStateException if already set
     */
    public Builder trustedProxies(String... cidrs) {
      if (trustedProxies != null) {
        throw new IllegalStateException("trustedProxies was already set to " + trustedProxies);
      }
      List<String> copy = List.of(cidrs);
      IdentityResolvers.clientAddress(copy); // validates now, naming the bad block
      trustedProxies = copy;
      return this;
    }

    /**
     * Sets the one forwarding header the {@linkplain #trustedProxies trusted proxies} write (default
     * {@link ForwardedHeader#X_FORWARDED_FOR}). <b>Only this header is read</b>; the others are ignored
     * even when present and well formed, since a proxy passes through the headers it does not write. If
     * your proxies write none on some request, the proxy itself is the client of that request. Needs
     * {@link #trustedProxies}: {@link #build()} refuses a header that no trusted proxy could ever deliver.
     *
     * @throws IllegalStateException if already set
     */
    public Builder forwardedHeader(ForwardedHeader header) {
      if (forwardedHeader != null) {
        throw new IllegalStateException("forwardedHeader was already set to " + forwardedHeader);
      }
      forwardedHeader = Objects.requireNonNull(header, "forwardedHeader");
      return this;
    }

    /**
     * Replaces a policy for identities of one tier, on every route that carries it: for example {@code
     * tierOverride("pro", api, apiPro)} gives "pro" agents {@code apiPro}'s limits wherever a route lists
     * {@code api}. Anonymous callers are in the {@value dev.agentlimiter.api.Route#ANONYMOUS_TIER} tier.
     *
     * @throws IllegalArgumentException if the replacement has the same name as the policy it replaces (it
     *     keeps its own state, so it needs its own name), or the tier is blank
     * @throws IllegalStateException if the tier already overrides that policy
     */
    public Builder tierOverride(String tier, Policy replaced, Policy replacement) {
      Objects.requireNonNull(replaced, "replaced");
      Objects.requireNonNull(replacement, "replacement");
      Grammar.checkTier("tierOverride: tier", tier);
      if (replaced.name().equals(replacement.name())) {
        throw new IllegalArgumentException(
            "tierOverride '" + tier + "': the replacement of policy '" + replaced.name()
                + "' needs a name of its own");
      }
      Map<String, Policy> forTier = tierOverrides.computeIfAbsent(tier, t -> new LinkedHashMap<>());
      if (forTier.containsKey(replaced.name())) {
        throw new IllegalStateException(
            "tierOverride '" + tier + "': policy '" + replaced.name() + "' is already overridden");
      }
      forTier.put(replaced.name(), replacement);
      policies.add(replaced);
      policies.add(replacement);
      return this;
    }

    /**
     * Sets the limit on failed credentials per client address (default {@link
     * #DEFAULT_CREDENTIAL_FAILURE_LIMIT}). Each rejected credential takes a token, and while an address has
     * a failure on record its every check takes one first, given back unless the credential is rejected;
     * when none is left, the address is refused
     * without its credentials being checked until a token returns, so guessing keys costs the guesser
     * time. Innocent agents behind the same address share the refusal: size it for that.
     *
     * @throws IllegalStateException if already set
     */
    public Builder credentialFailureLimit(Limit limit) {
      if (credentialFailureLimit != null) {
        throw new IllegalStateException(
            "credentialFailureLimit was already set to " + credentialFailureLimit);
      }
      credentialFailureLimit = Objects.requireNonNull(limit, "limit");
      return this;
    }

    /**
     * Sets the clock (default {@link TimeSource#system()}). Tests pass a fake clock; a Bucket4j
     * {@code TimeMeter} fits as {@code meter::currentTimeNanos}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource source) {
      if (timeSource != null) {
        throw new IllegalStateException("timeSource was already set");
      }
      timeSource = Objects.requireNonNull(source, "timeSource");
      return this;
    }

    /**
     * Sets the bound on (policy, agent) pairs held in memory, applied separately to the buckets and to each
     * detector's state (default
     * {@value #DEFAULT_MAXIMUM_TRACKED_AGENTS}). Beyond it the least valuable entries are evicted; <b>an
     * evicted agent's bucket comes back exactly as it left</b>, unless more agents were evicted unfull than
     * the eviction ledger holds, and a newcomer starts as a new agent: see {@code
     * docs/state-and-eviction.md} for the bound.
     *
     * @throws IllegalArgumentException if {@code maximum <= 0}
     * @throws IllegalStateException if already set
     */
    public Builder maximumTrackedAgents(long maximum) {
      if (maximumTrackedAgents != -1) {
        throw new IllegalStateException(
            "maximumTrackedAgents was already set to " + maximumTrackedAgents);
      }
      if (maximum <= 0) {
        throw new IllegalArgumentException("maximumTrackedAgents must be > 0 but was " + maximum);
      }
      maximumTrackedAgents = maximum;
      return this;
    }

    /**
     * Sets how long an agent's state is kept after its last request (default 15 minutes).
     *
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder idleExpiry(Duration expiry) {
      if (idleExpiry != null) {
        throw new IllegalStateException("idleExpiry was already set to " + idleExpiry);
      }
      Objects.requireNonNull(expiry, "idleExpiry");
      if (expiry.isNegative() || expiry.isZero()) {
        throw new IllegalArgumentException("idleExpiry must be > 0 but was " + expiry);
      }
      idleExpiry = expiry;
      return this;
    }

    /**
     * Sets the listener that receives one {@link dev.agentlimiter.api.DecisionEvent} per request and every
     * detector event (default {@link LimiterListener#noop()}); compose several with {@link
     * LimiterListener#of}. With the no-op listener the limiter builds no event at all.
     *
     * @throws IllegalStateException if already set
     */
    public Builder listener(LimiterListener eventListener) {
      if (listener != null) {
        throw new IllegalStateException("listener was already set");
      }
      listener = Objects.requireNonNull(eventListener, "listener");
      return this;
    }

    /**
     * Sets the wall clock that places {@linkplain dev.agentlimiter.api.Budget budget} periods on the UTC
     * calendar (default {@link Clock#systemUTC()}). It is read once, when the limiter is built; after that,
     * calendar time advances with the {@link #timeSource}, so the two never disagree and a wall-clock step
     * (NTP) cannot reset a budget.
     *
     * @throws IllegalStateException if already set
     */
    public Builder wallClock(Clock clock) {
      if (wallClock != null) {
        throw new IllegalStateException("wallClock was already set");
      }
      wallClock = Objects.requireNonNull(clock, "wallClock");
      return this;
    }

    /**
     * Sets the configuration the limiter starts with, its generation 1: policies by name, tier overrides,
     * routes, the credential-failure limit and the inheritance rules ({@link PolicySet}). The policies,
     * tier overrides and credential-failure limit set on this builder are put under it, so that {@code
     * policies} wins by name; {@link dev.agentlimiter.api.LimiterAdmin#apply} and policy files replace
     * what is put over it later.
     *
     * @throws IllegalStateException if already set
     */
    public Builder policies(PolicySet policies) {
      if (policySet != null) {
        throw new IllegalStateException("policies were already set");
      }
      policySet = Objects.requireNonNull(policies, "policies");
      return this;
    }

    /**
     * Reads a policy file ({@code docs/policy-files.md}) now and applies it when the limiter is built, over
     * the code's configuration by name, as generation 2 with the file's absolute path as origin. Its
     * {@code identity} section is applied too: {@code apiKeyFile} adds an API-key resolver ({@code
     * Authorization: Bearer}) after those set with {@link #identity}, and {@code trustedProxies} and {@code
     * forwardedHeader} act as {@link #trustedProxies} and {@link #forwardedHeader} (set them in one place
     * only). Its JWT issuers are for {@code JwtIdentityResolver.fromPolicyFile}, in limiter-jwt; its audit
     * and metrics sections for the audit log's and the metrics' builders. To apply later versions as they
     * are written, start a {@link dev.agentlimiter.core.config.PolicyFileWatcher} on the built limiter.
     *
     * @throws dev.agentlimiter.core.config.PolicyFileException naming file, line, column and field of each
     *     problem, if the file is not valid
     * @throws IllegalArgumentException if the file cannot be read
     * @throws IllegalStateException if already set
     */
    public Builder policyFile(Path file) {
      if (policyFile != null) {
        throw new IllegalStateException("policyFile was already set to " + policyFile.source());
      }
      policyFile = PolicyFiles.read(Objects.requireNonNull(file, "file"));
      policyFileOrigin = file.toAbsolutePath().toString();
      return this;
    }

    /**
     * Registers a policy up front, so the first request pays nothing to bind it. Optional: policies in
     * requests are bound on first use.
     */
    public Builder policy(Policy policy) {
      policies.add(Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /**
     * Builds the limiter.
     *
     * @throws IllegalArgumentException if two registered policies share a name but differ
     * @throws IllegalStateException if a {@link #forwardedHeader} is set but no trusted proxy
     */
    public AgentLimiter build() {
      PolicyFile file = policyFile;
      PolicyFile.Identity fromFile = file == null ? null : file.identity().orElse(null);
      List<String> trusted = trustedProxies != null ? trustedProxies : List.of();
      ForwardedHeader header = forwardedHeader;
      List<IdentityResolver> resolvers = new ArrayList<>(identity != null ? identity : List.of());
      if (file != null && fromFile != null) {
        if (!fromFile.trustedProxies().isEmpty()) {
          if (trustedProxies != null) {
            throw new IllegalStateException(
                "trustedProxies are set both in code and in the policy file " + file.source()
                    + "; set them in one place");
          }
          trusted = fromFile.trustedProxies();
        }
        if (fromFile.forwardedHeader().isPresent()) {
          if (header != null) {
            throw new IllegalStateException(
                "forwardedHeader is set both in code and in the policy file " + file.source()
                    + "; set it in one place");
          }
          header = fromFile.forwardedHeader().get();
        }
        fromFile.apiKeyFile()
            .ifPresent(keys -> resolvers.add(IdentityResolvers.apiKeys(FileApiKeyStore.load(keys))));
      }
      AgentLimiter built = build(trusted, header, resolvers);
      if (file != null) {
        // the origin a PolicyFileWatcher of the same file gives: the absolute path
        built.admin().apply(file.policies(), Objects.requireNonNull(policyFileOrigin)); // refused: thrown
      }
      return built;
    }

    private AgentLimiter build(
        List<String> trusted, @Nullable ForwardedHeader forwardedHeader, List<IdentityResolver> identity) {
      if (forwardedHeader != null && trusted.isEmpty()) {
        throw new IllegalStateException(
            "forwardedHeader was set to " + forwardedHeader + " but trustedProxies lists no proxy, so the"
                + " header would never be read");
      }
      IdentityResolver clientAddress =
          IdentityResolvers.clientAddress(
              trusted,
              forwardedHeader != null ? forwardedHeader : ForwardedHeader.X_FORWARDED_FOR,
              64);
      EngineClock clock =
          new EngineClock(
              timeSource != null ? timeSource : TimeSource.system(),
              (wallClock != null ? wallClock : Clock.systemUTC()).instant());
      long maximum =
          maximumTrackedAgents == -1 ? DEFAULT_MAXIMUM_TRACKED_AGENTS : maximumTrackedAgents;
      Duration idle = idleExpiry != null ? idleExpiry : DEFAULT_IDLE_EXPIRY;
      LocalStateStore store = new LocalStateStore(clock, maximum, idle);
      HttpGate.Config http =
          new HttpGate.Config(
              List.copyOf(identity),
              clientAddress,
              requestIds != null ? requestIds : RequestIds.DEFAULT);
      TopOffenders offenders =
          new TopOffenders(
              offenderCapacity > 0 ? offenderCapacity : DEFAULT_OFFENDER_CAPACITY,
              offenderWindow != null ? offenderWindow : DEFAULT_OFFENDER_WINDOW);
      Engine engine =
          new Engine(
              clock,
              store,
              listener != null ? listener : LimiterListener.noop(),
              baseConfiguration(),
              List.copyOf(policies),
              credentialFailureLimit != null ? credentialFailureLimit : DEFAULT_CREDENTIAL_FAILURE_LIMIT,
              maximum,
              idle,
              offenders);
      return new Limiter(engine, new HttpGate(engine, http, maximum), new EngineAdmin(engine, offenders));
    }

    /**
     * The builder's configuration: the tier overrides (with their policies) as a {@link PolicySet}, and
     * {@link #policies(PolicySet)} over it.
     */
    private PolicySet baseConfiguration() {
      PolicySet.Builder own = PolicySet.builder();
      Map<String, Policy> defined = new LinkedHashMap<>();
      tierOverrides.forEach(
          (tier, byName) ->
              byName.forEach(
                  (replaced, replacement) -> {
                    for (Policy p : List.of(policyNamed(replaced), replacement)) {
                      Policy earlier = defined.putIfAbsent(p.name(), p);
                      if (earlier != null && !earlier.equals(p)) {
                        throw new IllegalArgumentException(
                            "policy '" + p.name() + "' is registered twice with different configurations: "
                                + earlier + " vs " + p);
                      }
                    }
                    own.tierOverride(tier, replaced, replacement.name());
                  }));
      defined.values().forEach(own::policy);
      PolicySet built = own.build();
      return policySet == null ? built : built.overriddenBy(policySet);
    }

    /** The policy registered under {@code name} (a tier override's replaced policy is always registered). */
    private Policy policyNamed(String name) {
      for (Policy p : policies) {
        if (p.name().equals(name)) {
          return p;
        }
      }
      throw new IllegalStateException("no policy named " + name);
    }
  }
}
