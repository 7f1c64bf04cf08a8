package dev.agentlimiter.micrometer;

import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.noop.NoopCounter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The limiter's events as Micrometer meters: a {@link LimiterListener} to give the limiter and a {@link
 * MeterBinder} to bind to one registry. The meters and their tags are listed in {@code docs/metrics.md};
 * their names are the constants of this class, with {@link Builder#prefix} in place of {@value
 * #DEFAULT_PREFIX}.
 *
 * <pre>{@code
 * AgentLimiterMetrics metrics = AgentLimiterMetrics.builder().build();
 * AgentLimiter limiter = AgentLimiters.newBuilder().listener(metrics).build();
 * metrics.attach(limiter.admin());   // the gauges; the limiter did not exist when metrics was built
 * metrics.bindTo(registry);
 * }</pre>
 *
 * <p><b>Every tag has a bounded number of values</b>, whatever the traffic: agent ids, credentials, request
 * ids and paths are never read into a tag; policy, lane and tier names keep their own value for the first
 * {@link Builder#maximumTagValues} distinct names of each, route patterns for the first {@link
 * Builder#maximumRoutes} (or exactly the {@link Builder#routes} given), and every later value, or one
 * longer than 256 characters, is tagged {@value #OTHER}. An absent value is tagged {@value #NONE}. The
 * first values seen keep their tag for the life of this object. HTTP methods outside RFC 9110's nine are
 * {@value #OTHER} and statuses are tagged by class ({@code 2xx}).
 *
 * <p>Thread-safe. <b>The listener methods never throw</b>: a meter the registry refuses to create (for
 * example a meter of the same name with other tags, registered by someone else) is replaced by a no-op
 * and logged once through {@link System.Logger}. <b>Events before {@link #bindTo} are dropped</b>, not
 * buffered (only a configuration event's generation is kept, for the generation gauge).
 *
 * <p>Cost of {@link #onDecision}, once each combination of tag values has been seen: four {@link
 * java.util.concurrent.ConcurrentHashMap} reads on the event's own strings (route, policy, lane, tier), a
 * binary search among the combinations seen, one counter increment and one timer record. No registry
 * lookup, no string is built, and this class allocates nothing (the event's {@code Optional} accessors
 * allocate unless the JIT elides them). A new combination costs a copy of the table of combinations and
 * one registration.
 */
public final class AgentLimiterMetrics implements MeterBinder, LimiterListener {

  /** The prefix of every meter name unless {@link Builder#prefix} sets another. */
  public static final String DEFAULT_PREFIX = "agentlimiter";

  /** Counter: decision events, one per request. */
  public static final String DECISIONS = "agentlimiter.decisions";

  /** Timer: the limiter's own time per request ({@link DecisionEvent#limiterTime()}). */
  public static final String LIMITER_TIME = "agentlimiter.limiter.time";

  /** Counter: detector events (loops, bursts, quarantines, reputation, budgets, reclaimed permits). */
  public static final String DETECTOR_EVENTS = "agentlimiter.detector.events";

  /** Counter: credentials that failed verification, and refusals by the credential-failure guard. */
  public static final String CREDENTIAL_FAILURES = "agentlimiter.credential.failures";

  /** Counter: audit records the audit log dropped, as reported to {@link #recordAuditSuppressed}. */
  public static final String AUDIT_SUPPRESSED = "agentlimiter.audit.suppressed";

  /**
   * Counter: configurations applied ({@code outcome=applied}) or refused ({@code outcome=refused}), one per
   * {@link ConfigurationEvent}: a policy file's reload, {@link LimiterAdmin#apply}.
   */
  public static final String CONFIG_RELOADS = "agentlimiter.config.reloads";

  /**
   * Gauge: the generation of the configuration running, as the last {@link ConfigurationEvent} told it;
   * {@code NaN} until the first.
   */
  public static final String CONFIG_GENERATION = "agentlimiter.config.generation";

  /** Gauge: {@link LimiterAdmin#trackedAgents()}. */
  public static final String AGENTS_TRACKED = "agentlimiter.agents.tracked";

  /** Gauge: the size of {@link LimiterAdmin#quarantined()}, agents in a lane's penalty box. */
  public static final String AGENTS_QUARANTINED = "agentlimiter.agents.quarantined";

  /** Gauge: {@link LimiterAdmin#requestsInFlight()}. */
  public static final String REQUESTS_IN_FLIGHT = "agentlimiter.requests.in.flight";

  /** The tag value of every value beyond a tag's bound. */
  public static final String OTHER = TagValues.OTHER_VALUE;

  /** The tag value of an absent value: no policy decided, no lane, no tier, no route, no status. */
  public static final String NONE = TagValues.NONE_VALUE;

  /** The default of {@link Builder#maximumRoutes}. */
  public static final int DEFAULT_MAXIMUM_ROUTES = 200;

  /** The default of {@link Builder#maximumTagValues}. */
  public static final int DEFAULT_MAXIMUM_TAG_VALUES = 50;

  /**
   * The policy of the credential-failure guard's refusals. A copy of limiter-core's {@code
   * AgentLimiters.CREDENTIAL_FAILURES_POLICY}: this module does not depend on core.
   */
  static final String CREDENTIAL_FAILURES_POLICY = "invalid-credentials";

  static final int MAX_ROUTES = 10_000;
  static final int MAX_TAG_VALUES = 1_000;

  // The packed key of a decision counter: outcome 2 bits, reason 4, method 4, status class 4, then the
  // indices of route (14 bits, MAX_ROUTES + 2 < 2^14), policy, lane and tier (10 bits each,
  // MAX_TAG_VALUES + 2 < 2^10): 58 bits.
  private static final int REASON_SHIFT = 2;
  private static final int METHOD_SHIFT = 6;
  private static final int STATUS_SHIFT = 10;
  private static final int ROUTE_SHIFT = 14;
  private static final int POLICY_SHIFT = 28;
  private static final int LANE_SHIFT = 38;
  private static final int TIER_SHIFT = 48;
  private static final long NIBBLE = 0xF;
  private static final long ROUTE_MASK = (1L << 14) - 1;
  private static final long NAME_MASK = (1L << 10) - 1;

  // The packed key of a detector counter: type 4 bits, policy and lane 10 bits each.
  private static final int DETECTOR_POLICY_SHIFT = 4;
  private static final int DETECTOR_LANE_SHIFT = 14;

  private static final int ALLOWED = 0;
  private static final int REFUSED = 1;
  private static final int SHADOW_REFUSED = 2;
  private static final String[] OUTCOMES = {"allowed", "refused", "shadow_refused"};

  // Reason to index (in REASONS and the key) without depending on the enum's declaration order.
  private static final EnumMap<Reason, Integer> REASON_INDEX = new EnumMap<>(Reason.class);
  private static final String[] REASONS = reasonTags();

  // Index 0 and 1 are NONE and OTHER, as in TagValues.
  private static final String[] METHODS = {
    NONE, OTHER, "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"
  };

  private static final String[] STATUSES = {
    NONE, "1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "7xx", "8xx", "9xx"
  };

  private static final int LOOP_DETECTED = 0;
  private static final int BURST_DETECTED = 1;
  private static final int QUARANTINED = 2;
  private static final int QUARANTINE_RELEASED = 3;
  private static final int REPUTATION_CHANGED = 4;
  private static final int BUDGET_EXHAUSTED = 5;
  private static final int PERMIT_RECLAIMED = 6;
  private static final String[] TYPES = {
    "loop_detected",
    "burst_detected",
    "quarantined",
    "quarantine_released",
    "reputation_changed",
    "budget_exhausted",
    "permit_reclaimed"
  };

  private static final Set<String> OWN_TAG_KEYS =
      Set.of("outcome", "reason", "policy", "lane", "tier", "route", "method", "status", "type");

  private static final System.Logger LOG = System.getLogger(AgentLimiterMetrics.class.getName());

  private final String decisionsName;
  private final String limiterTimeName;
  private final String detectorEventsName;
  private final String credentialFailuresName;
  private final String auditSuppressedName;
  private final String agentsTrackedName;
  private final String agentsQuarantinedName;
  private final String requestsInFlightName;
  private final String configReloadsName;
  private final String configGenerationName;
  private final Tags commonTags;
  private final boolean routeTags;
  private final boolean percentileHistogram;
  private final TagValues routes;
  private final TagValues policies;
  private final TagValues lanes;
  private final TagValues tiers;
  private final AtomicBoolean failureLogged = new AtomicBoolean();
  private final AtomicLong generation = new AtomicLong(); // 0: no configuration event yet

  private final Object lock = new Object();
  private @Nullable LimiterAdmin admin; // guarded by lock
  private volatile @Nullable Bound bound;

  private AgentLimiterMetrics(Builder b) {
    String prefix = b.prefix != null ? b.prefix : DEFAULT_PREFIX;
    this.decisionsName = named(prefix, DECISIONS);
    this.limiterTimeName = named(prefix, LIMITER_TIME);
    this.detectorEventsName = named(prefix, DETECTOR_EVENTS);
    this.credentialFailuresName = named(prefix, CREDENTIAL_FAILURES);
    this.auditSuppressedName = named(prefix, AUDIT_SUPPRESSED);
    this.agentsTrackedName = named(prefix, AGENTS_TRACKED);
    this.agentsQuarantinedName = named(prefix, AGENTS_QUARANTINED);
    this.requestsInFlightName = named(prefix, REQUESTS_IN_FLIGHT);
    this.configReloadsName = named(prefix, CONFIG_RELOADS);
    this.configGenerationName = named(prefix, CONFIG_GENERATION);
    this.commonTags = b.tags != null ? b.tags : Tags.empty();
    this.routeTags = b.routeTags == null || b.routeTags;
    this.percentileHistogram = b.percentileHistogram != null && b.percentileHistogram;
    int maximumRoutes = b.maximumRoutes > 0 ? b.maximumRoutes : DEFAULT_MAXIMUM_ROUTES;
    this.routes = b.routes != null ? TagValues.only(b.routes) : TagValues.firstSeen(maximumRoutes);
    int maximumNames = b.maximumTagValues > 0 ? b.maximumTagValues : DEFAULT_MAXIMUM_TAG_VALUES;
    this.policies = TagValues.firstSeen(maximumNames);
    this.lanes = TagValues.firstSeen(maximumNames);
    this.tiers = TagValues.firstSeen(maximumNames);
    this.admin = b.admin;
  }

  /** A builder of metrics without gauges until {@link #attach} gives them the limiter's admin view. */
  public static Builder builder() {
    return new Builder(null);
  }

  /**
   * A builder of metrics whose gauges read {@code admin}; with {@code null}, there are no gauges until
   * {@link #attach}.
   */
  public static Builder builder(@Nullable LimiterAdmin admin) {
    return new Builder(admin);
  }

  /**
   * Gives the gauges the limiter's admin view, for the limiter that was built with these metrics as its
   * listener (and so did not exist when they were built). The gauges are registered now if {@link
   * #bindTo} was called, else when it is.
   *
   * <p>The registry holds {@code admin} <b>weakly</b>, as Micrometer holds every gauge's object: it does
   * not keep a discarded limiter alive, and the gauges then read {@code NaN}. These metrics hold it
   * strongly, and the limiter holds these metrics when they are its listener, so the gauges live as long
   * as the limiter; metrics that are not the limiter's listener must themselves be kept reachable.
   *
   * @throws IllegalStateException if an admin view was already given, here or to {@link #builder(LimiterAdmin)}
   */
  public void attach(LimiterAdmin limiterAdmin) {
    Objects.requireNonNull(limiterAdmin, "admin");
    synchronized (lock) {
      if (admin != null) {
        throw new IllegalStateException("admin was already attached");
      }
      admin = limiterAdmin;
      Bound b = bound;
      if (b != null) {
        registerGauges(b.registry, limiterAdmin);
      }
    }
  }

  /**
   * Registers the meters that exist from the start (the timers, {@value #CREDENTIAL_FAILURES}, {@value
   * #AUDIT_SUPPRESSED}, both {@value #CONFIG_RELOADS} counters, {@value #CONFIG_GENERATION}, and the
   * admin view's gauges if there is one) in {@code registry}, and starts counting; the other counters
   * appear with their first event. Binding again to the same registry does nothing;
   * to report to several, bind once to a {@link io.micrometer.core.instrument.composite.CompositeMeterRegistry}.
   *
   * @throws IllegalStateException if already bound to another registry
   * @throws RuntimeException what the registry throws for a meter registered now (the metrics stay
   *     unbound); later registrations that fail are replaced by no-ops instead
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    synchronized (lock) {
      Bound current = bound;
      if (current != null) {
        if (current.registry == registry) {
          return;
        }
        throw new IllegalStateException(
            "metrics are already bound to another registry; bind one CompositeMeterRegistry to report to"
                + " several");
      }
      Bound b = new Bound(registry);
      LimiterAdmin a = admin;
      if (a != null) {
        registerGauges(registry, a);
      }
      bound = b;
    }
  }

  /**
   * Counts the decision in {@value #DECISIONS}, records its {@linkplain DecisionEvent#limiterTime()
   * limiter time} in {@value #LIMITER_TIME}, and counts a credential failure in {@value
   * #CREDENTIAL_FAILURES}: an {@link Reason#UNAUTHENTICATED} refusal whose cause is not {@value
   * Decision#CAUSE_MISSING_CREDENTIAL}, or a {@link Reason#RATE_LIMITED} refusal by the credential-failure
   * guard (policy {@code invalid-credentials}). Does nothing before {@link #bindTo}; never throws.
   */
  @Override
  public void onDecision(DecisionEvent event) {
    Bound b = bound;
    if (b == null) {
      return;
    }
    try {
      b.record(event);
    } catch (RuntimeException e) {
      logFailure(e);
    }
  }

  /**
   * Counts a detector event in {@value #DETECTOR_EVENTS}. Does nothing before {@link #bindTo}; never
   * throws.
   */
  @Override
  public void onEvent(LimiterEvent event) {
    Bound b = bound;
    if (b == null) {
      return;
    }
    try {
      b.record(event);
    } catch (RuntimeException e) {
      logFailure(e);
    }
  }

  /**
   * Counts a configuration applied or refused in {@value #CONFIG_RELOADS}, and keeps its generation (the
   * generation running after it, which only goes up) for {@value #CONFIG_GENERATION}. The count is dropped
   * before {@link #bindTo}, the generation is kept; never throws.
   */
  @Override
  public void onConfiguration(ConfigurationEvent event) {
    try {
      generation.accumulateAndGet(event.generation(), Math::max);
      Bound b = bound;
      if (b == null) {
        return;
      }
      (event.applied() ? b.configApplied : b.configRefused).increment();
    } catch (RuntimeException e) {
      logFailure(e);
    }
  }

  /**
   * Adds {@code count} to {@value #AUDIT_SUPPRESSED}: audit records the audit log dropped (its queue full,
   * or its rate limit reached). Meant as the audit log's {@link java.util.function.LongConsumer}, {@code
   * metrics::recordAuditSuppressed}. A count {@code <= 0}, and any count before {@link #bindTo}, is
   * ignored; never throws.
   */
  public void recordAuditSuppressed(long count) {
    Bound b = bound;
    if (b == null || count <= 0) {
      return;
    }
    try {
      b.auditSuppressed.increment((double) count);
    } catch (RuntimeException e) {
      logFailure(e);
    }
  }

  private void registerGauges(MeterRegistry registry, LimiterAdmin a) {
    Gauge.builder(agentsTrackedName, a, AgentLimiterMetrics::trackedAgents)
        .description("(policy, agent) pairs whose state the limiter holds, an estimate")
        .tags(commonTags)
        .strongReference(false)
        .register(registry);
    Gauge.builder(agentsQuarantinedName, a, AgentLimiterMetrics::quarantinedAgents)
        .description("agents in a lane's penalty box, counted once per lane")
        .tags(commonTags)
        .strongReference(false)
        .register(registry);
    Gauge.builder(requestsInFlightName, a, AgentLimiterMetrics::requestsInFlight)
        .description("requests admitted and not yet ended, over every agent")
        .tags(commonTags)
        .strongReference(false)
        .register(registry);
  }

  private static double configGeneration(AtomicLong last) {
    long g = last.get();
    return g > 0 ? g : Double.NaN;
  }

  private static double trackedAgents(LimiterAdmin a) {
    try {
      return a.trackedAgents();
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  private static double quarantinedAgents(LimiterAdmin a) {
    try {
      return a.quarantined().size();
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  private static double requestsInFlight(LimiterAdmin a) {
    try {
      return a.requestsInFlight();
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  private void logFailure(RuntimeException e) {
    if (failureLogged.compareAndSet(false, true)) {
      LOG.log(System.Logger.Level.WARNING, "Agent Limiter metrics dropped an event (logged once)", e);
    } else {
      LOG.log(System.Logger.Level.DEBUG, "Agent Limiter metrics dropped an event", e);
    }
  }

  private static String named(String prefix, String name) {
    return prefix + name.substring(DEFAULT_PREFIX.length());
  }

  private static String[] reasonTags() {
    Reason[] reasons = Reason.values();
    String[] tags = new String[reasons.length];
    for (int i = 0; i < reasons.length; i++) {
      REASON_INDEX.put(reasons[i], i);
      tags[i] = reasons[i].name().toLowerCase(Locale.ROOT);
    }
    return tags;
  }

  private static int reasonIndex(Reason reason) {
    Integer index = REASON_INDEX.get(reason);
    return index == null ? 0 : index;
  }

  private static int methodIndex(@Nullable String method) {
    if (method == null || method.isEmpty()) {
      return TagValues.NONE;
    }
    return switch (method) {
      case "GET" -> 2;
      case "HEAD" -> 3;
      case "POST" -> 4;
      case "PUT" -> 5;
      case "DELETE" -> 6;
      case "CONNECT" -> 7;
      case "OPTIONS" -> 8;
      case "TRACE" -> 9;
      case "PATCH" -> 10;
      default -> TagValues.OTHER;
    };
  }

  private static int statusIndex(OptionalInt status) {
    // DecisionEvent holds 0 (none) or 100 to 999: classes 1 to 9.
    return status.isPresent() ? status.getAsInt() / 100 : 0;
  }

  /** The meters of one registry. */
  private final class Bound {
    final MeterRegistry registry;
    final CounterTable decisions = new CounterTable();
    final CounterTable detector = new CounterTable();
    final Timer[] timers = new Timer[OUTCOMES.length];
    final Counter credentialFailures;
    final Counter auditSuppressed;
    final Counter configApplied;
    final Counter configRefused;
    final LongFunction<Counter> newDecisionCounter = this::newDecisionCounter;
    final LongFunction<Counter> newDetectorCounter = this::newDetectorCounter;

    Bound(MeterRegistry registry) {
      this.registry = registry;
      for (int outcome = 0; outcome < OUTCOMES.length; outcome++) {
        timers[outcome] =
            Timer.builder(limiterTimeName)
                .description("time the limiter itself spent on a request, not the application's")
                .tags(commonTags)
                .tag("outcome", OUTCOMES[outcome])
                .publishPercentileHistogram(percentileHistogram)
                .register(registry);
      }
      this.credentialFailures =
          Counter.builder(credentialFailuresName)
              .description("credentials that failed verification, and refusals by the credential-failure guard")
              .tags(commonTags)
              .register(registry);
      this.auditSuppressed =
          Counter.builder(auditSuppressedName)
              .description("audit records the audit log dropped")
              .tags(commonTags)
              .register(registry);
      this.configApplied = configReloads("applied").register(registry);
      this.configRefused = configReloads("refused").register(registry);
      Gauge.builder(configGenerationName, generation, AgentLimiterMetrics::configGeneration)
          .description("the generation of the configuration running, as the last configuration event told it")
          .tags(commonTags)
          .strongReference(false)
          .register(registry);
    }

    private Counter.Builder configReloads(String outcome) {
      return Counter.builder(configReloadsName)
          .description("configurations applied or refused: policy file reloads, admin apply")
          .tags(commonTags)
          .tag("outcome", outcome);
    }

    void record(DecisionEvent event) {
      Decision decision = event.decision();
      Reason reason = decision.reason();
      int outcome = reason.isAllowed() ? ALLOWED : event.shadow() ? SHADOW_REFUSED : REFUSED;
      String policy = decision.policy().orElse(null);
      List<String> eventLanes = event.lanes();
      long key =
          outcome
              | (long) reasonIndex(reason) << REASON_SHIFT
              | (long) methodIndex(event.method().orElse(null)) << METHOD_SHIFT
              | (long) statusIndex(event.status()) << STATUS_SHIFT
              | (long) (routeTags ? routes.indexOf(event.route().orElse(null)) : TagValues.NONE)
                  << ROUTE_SHIFT
              | (long) policies.indexOf(policy) << POLICY_SHIFT
              | (long) lanes.indexOf(eventLanes.isEmpty() ? null : eventLanes.get(0)) << LANE_SHIFT
              | (long) tiers.indexOf(event.tier().orElse(null)) << TIER_SHIFT;
      decisions.get(key, newDecisionCounter).increment();
      timers[outcome].record(event.limiterTimeNanos(), TimeUnit.NANOSECONDS);
      if (isCredentialFailure(reason, decision, policy)) {
        credentialFailures.increment();
      }
    }

    void record(LimiterEvent event) {
      int type;
      String policy = null;
      String lane = null;
      if (event instanceof LimiterEvent.LoopDetected e) {
        type = LOOP_DETECTED;
        policy = e.policy();
      } else if (event instanceof LimiterEvent.BurstDetected e) {
        type = BURST_DETECTED;
        policy = e.policy();
      } else if (event instanceof LimiterEvent.Quarantined e) {
        type = QUARANTINED;
        policy = e.policy();
        lane = e.lane();
      } else if (event instanceof LimiterEvent.QuarantineReleased e) {
        type = QUARANTINE_RELEASED;
        lane = e.lane();
      } else if (event instanceof LimiterEvent.ReputationChanged e) {
        type = REPUTATION_CHANGED;
        policy = e.policy();
      } else if (event instanceof LimiterEvent.BudgetExhausted) {
        type = BUDGET_EXHAUSTED;
      } else if (event instanceof LimiterEvent.PermitReclaimed e) {
        type = PERMIT_RECLAIMED;
        policy = e.policy();
      } else {
        return; // a kind of event this version does not know
      }
      long key =
          type
              | (long) policies.indexOf(policy) << DETECTOR_POLICY_SHIFT
              | (long) lanes.indexOf(lane) << DETECTOR_LANE_SHIFT;
      detector.get(key, newDetectorCounter).increment();
    }

    private boolean isCredentialFailure(Reason reason, Decision decision, @Nullable String policy) {
      if (reason == Reason.UNAUTHENTICATED) {
        return !Decision.CAUSE_MISSING_CREDENTIAL.equals(decision.cause().orElse(null));
      }
      return reason == Reason.RATE_LIMITED && CREDENTIAL_FAILURES_POLICY.equals(policy);
    }

    private Counter newDecisionCounter(long key) {
      List<Tag> tags = new ArrayList<>(8);
      tags.add(Tag.of("outcome", OUTCOMES[(int) (key & 0x3)]));
      tags.add(Tag.of("reason", REASONS[(int) (key >>> REASON_SHIFT & NIBBLE)]));
      tags.add(Tag.of("policy", policies.value((int) (key >>> POLICY_SHIFT & NAME_MASK))));
      tags.add(Tag.of("lane", lanes.value((int) (key >>> LANE_SHIFT & NAME_MASK))));
      tags.add(Tag.of("tier", tiers.value((int) (key >>> TIER_SHIFT & NAME_MASK))));
      if (routeTags) {
        tags.add(Tag.of("route", routes.value((int) (key >>> ROUTE_SHIFT & ROUTE_MASK))));
      }
      tags.add(Tag.of("method", METHODS[(int) (key >>> METHOD_SHIFT & NIBBLE)]));
      tags.add(Tag.of("status", STATUSES[(int) (key >>> STATUS_SHIFT & NIBBLE)]));
      return register(
          decisionsName,
          Counter.builder(decisionsName)
              .description("requests the limiter decided, one per request when it ends")
              .tags(commonTags)
              .tags(tags));
    }

    private Counter newDetectorCounter(long key) {
      return register(
          detectorEventsName,
          Counter.builder(detectorEventsName)
              .description("what the limiter's detectors noticed: loops, bursts, quarantines, reputation,"
                  + " budgets, reclaimed permits")
              .tags(commonTags)
              .tag("type", TYPES[(int) (key & NIBBLE)])
              .tag("policy", policies.value((int) (key >>> DETECTOR_POLICY_SHIFT & NAME_MASK)))
              .tag("lane", lanes.value((int) (key >>> DETECTOR_LANE_SHIFT & NAME_MASK))));
    }

    private Counter register(String name, Counter.Builder builder) {
      try {
        return builder.register(registry);
      } catch (RuntimeException e) {
        // Such as a Prometheus registry refusing a name already registered with other tag keys: keep
        // counting nothing for this combination rather than failing every event.
        LOG.log(System.Logger.Level.WARNING, "Agent Limiter metrics could not register a counter", e);
        return new NoopCounter(new Meter.Id(name, Tags.empty(), null, null, Meter.Type.COUNTER));
      }
    }
  }

  /**
   * Configures {@link AgentLimiterMetrics}. Not thread-safe; each option may be set once, and a bad value
   * fails at once naming the option and the value.
   */
  public static final class Builder {
    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");

    private final @Nullable LimiterAdmin admin;
    private @Nullable String prefix;
    private @Nullable Tags tags;
    private @Nullable Boolean routeTags;
    private int maximumRoutes = -1;
    private @Nullable List<String> routes;
    private int maximumTagValues = -1;
    private @Nullable Boolean percentileHistogram;

    private Builder(@Nullable LimiterAdmin admin) {
      this.admin = admin;
    }

    /**
     * Sets the first word(s) of every meter name in place of {@value #DEFAULT_PREFIX}: {@code
     * prefix("agent.limiter")} names the decisions counter {@code agent.limiter.decisions}.
     *
     * @throws IllegalArgumentException unless 1 to 64 characters of dot-separated lower-case words
     *     ({@code a-z}, then {@code a-z 0-9 _})
     * @throws IllegalStateException if already set
     */
    public Builder prefix(String meterPrefix) {
      Objects.requireNonNull(meterPrefix, "prefix");
      once("prefix", prefix);
      if (meterPrefix.length() > 64 || !PREFIX.matcher(meterPrefix).matches()) {
        throw new IllegalArgumentException(
            "prefix: must be 1 to 64 characters of dot-separated lower-case words but was '"
                + meterPrefix
                + "'");
      }
      prefix = meterPrefix;
      return this;
    }

    /**
     * Sets tags added to every meter, such as {@code Tags.of("service", "orders")}.
     *
     * @throws IllegalArgumentException if a key is one of the meters' own: outcome, reason, policy, lane,
     *     tier, route, method, status, type
     * @throws IllegalStateException if already set
     */
    public Builder tags(Iterable<Tag> commonTags) {
      Objects.requireNonNull(commonTags, "tags");
      once("tags", tags);
      Tags all = Tags.of(commonTags);
      for (Tag tag : all) {
        if (OWN_TAG_KEYS.contains(tag.getKey())) {
          throw new IllegalArgumentException(
              "tags: key '" + tag.getKey() + "' is one of the meters' own tags " + OWN_TAG_KEYS);
        }
      }
      tags = all;
      return this;
    }

    /**
     * Sets whether {@value #DECISIONS} has a {@code route} tag (default {@code true}). Without it the
     * meters have no route tag at all.
     *
     * @throws IllegalStateException if already set
     */
    public Builder routeTags(boolean enabled) {
      once("routeTags", routeTags);
      routeTags = enabled;
      return this;
    }

    /**
     * Sets how many distinct routes keep their own {@code route} tag (default {@value
     * #DEFAULT_MAXIMUM_ROUTES}): the first ones seen; every later one is {@value #OTHER}. A limiter's
     * adapters report route patterns, a handful per application, so the bound only bites when an adapter
     * misreports raw paths; {@link #routes} tags exactly the routes given instead.
     *
     * @throws IllegalArgumentException unless between 1 and 10,000
     * @throws IllegalStateException if already set, or {@link #routes} was
     */
    public Builder maximumRoutes(int maximum) {
      once("maximumRoutes", maximumRoutes < 0 ? null : maximumRoutes);
      if (routes != null) {
        throw new IllegalStateException("maximumRoutes: routes were already given");
      }
      maximumRoutes = between("maximumRoutes", maximum, 1, MAX_ROUTES);
      return this;
    }

    /**
     * Sets the only route patterns tagged by name; every other route is {@value #OTHER}. So not even the
     * first paths of an adapter that misreports raw paths become tags.
     *
     * @throws IllegalArgumentException unless 1 to 10,000 patterns of 1 to 256 characters
     * @throws IllegalStateException if already set, or {@link #maximumRoutes} was
     */
    public Builder routes(Collection<String> patterns) {
      Objects.requireNonNull(patterns, "routes");
      once("routes", routes);
      if (maximumRoutes > 0) {
        throw new IllegalStateException("routes: maximumRoutes was already set");
      }
      List<String> copy = List.copyOf(patterns);
      between("routes: number of patterns", copy.size(), 1, MAX_ROUTES);
      for (String pattern : copy) {
        if (pattern.isEmpty() || pattern.length() > TagValues.MAX_VALUE_LENGTH) {
          throw new IllegalArgumentException(
              "routes: a pattern must have 1 to "
                  + TagValues.MAX_VALUE_LENGTH
                  + " characters but had "
                  + pattern.length());
        }
      }
      routes = copy;
      return this;
    }

    /**
     * Sets how many distinct policy names, lane names and tiers (each) keep their own tag (default {@value
     * #DEFAULT_MAXIMUM_TAG_VALUES}): the first ones seen; every later one is {@value #OTHER}. Policies and
     * lanes come from the configuration; tiers come from identities, such as a JWT claim.
     *
     * @throws IllegalArgumentException unless between 1 and 1,000
     * @throws IllegalStateException if already set
     */
    public Builder maximumTagValues(int maximum) {
      once("maximumTagValues", maximumTagValues < 0 ? null : maximumTagValues);
      maximumTagValues = between("maximumTagValues", maximum, 1, MAX_TAG_VALUES);
      return this;
    }

    /**
     * Sets whether {@value #LIMITER_TIME} publishes a percentile histogram, for {@code
     * histogram_quantile} in Prometheus (default {@code false}: count, total and max only).
     *
     * @throws IllegalStateException if already set
     */
    public Builder percentileHistogram(boolean enabled) {
      once("percentileHistogram", percentileHistogram);
      percentileHistogram = enabled;
      return this;
    }

    /**
     * The metrics, not yet bound to a registry.
     *
     * @throws IllegalStateException if {@code routeTags(false)} is set with {@link #maximumRoutes} or
     *     {@link #routes}
     */
    public AgentLimiterMetrics build() {
      if (Boolean.FALSE.equals(routeTags) && (maximumRoutes > 0 || routes != null)) {
        throw new IllegalStateException(
            "routeTags is false, so maximumRoutes and routes have nothing to bound");
      }
      return new AgentLimiterMetrics(this);
    }

    private static void once(String option, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(option + " was already set");
      }
    }

    private static int between(String what, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(
            what + " must be between " + min + " and " + max + " but was " + value);
      }
      return value;
    }
  }
}
