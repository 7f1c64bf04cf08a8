package dev.agentlimiter.core.config;

import com.fasterxml.jackson.core.JsonToken;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Grammar;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.api.StateInheritance;
import dev.agentlimiter.core.identity.ForwardedHeader;
import dev.agentlimiter.core.identity.IdentityResolvers;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Binds a {@link Node} tree to a {@link PolicyFile}, collecting every problem it finds (with its line,
 * column and JSON pointer) rather than stopping at the first. The names of the format's fields are written
 * here and in {@link Writer}, once each.
 */
final class Binder {

  static final List<String> TOP =
      List.of(
          "version", "inheritance", "credentialFailureLimit", "policies", "tiers", "routes", "identity",
          "audit", "metrics", "reload");
  static final List<String> LIMIT = List.of("name", "capacity", "refill", "per", "initialTokens");
  static final List<String> POLICY =
      List.of(
          "lane", "cost", "inheritance", "limits", "concurrency", "loopDetection", "burstDetection",
          "quarantine", "reputation", "budget");
  static final List<String> INLINE_POLICY =
      List.of(
          "name", "lane", "cost", "limits", "concurrency", "loopDetection", "burstDetection", "quarantine",
          "reputation", "budget");
  static final List<String> CONCURRENCY = List.of("maxInFlight", "maxHold", "retryAfter");
  static final List<String> LOOP =
      List.of("repeats", "window", "errorRepeats", "backoff", "maxBackoff", "trackedFingerprints");
  static final List<String> BURST = List.of("factor", "window", "baseline", "minimumRate", "mode");
  static final List<String> QUARANTINE =
      List.of("denials", "within", "duration", "maximum", "decayAfter", "onLoop");
  static final List<String> REPUTATION =
      List.of(
          "errorPercent", "window", "minimumSamples", "decreasePercent", "increasePercent", "floorPercent",
          "ceilingPercent");
  static final List<String> BUDGET = List.of("name", "amount", "reset", "interval");
  static final List<String> ROUTE =
      List.of("method", "pattern", "policies", "scopes", "anonymous", "shadow", "rules");
  static final List<String> RULES = List.of("requiredHeaders", "contentTypes", "maxBodyBytes", "json");
  static final List<String> IDENTITY = List.of("apiKeyFile", "trustedProxies", "forwardedHeader", "jwt");
  static final List<String> JWT =
      List.of("issuer", "jwksUri", "audiences", "algorithms", "clockSkew", "requireExpiry");
  static final List<String> AUDIT = List.of("admissions");
  static final List<String> METRICS = List.of("enabled", "prefix");
  static final List<String> RELOAD = List.of("poll");

  /** The JWS algorithms a JWKS issuer may use (asymmetric only: a JWKS publishes public keys). */
  static final List<String> JWT_ALGORITHMS =
      List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");

  static final Duration MIN_POLL = Duration.ofSeconds(1);
  static final Duration MAX_POLL = Duration.ofMinutes(5);
  static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  private static final java.util.regex.Pattern SHORT_DURATION =
      java.util.regex.Pattern.compile("([0-9]{1,15})(ms|s|m|h|d)");
  private static final java.util.regex.Pattern METRIC_PREFIX =
      java.util.regex.Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");

  private final Problems problems;
  private final @Nullable Path baseDir;
  /** The file's policies that were built, by name. */
  private final Map<String, Policy> built = new java.util.LinkedHashMap<>();
  /** The first definition of each policy defined on a route, by name, with its path. */
  private final Map<String, Map.Entry<String, Policy>> inline = new java.util.LinkedHashMap<>();
  /** Each route added to the set, by the name {@link PolicySet.Builder#build()} gives it in a message. */
  private final Map<String, Map.Entry<String, Node>> routeNames = new java.util.LinkedHashMap<>();

  Binder(Problems problems, @Nullable Path baseDir) {
    this.problems = problems;
    this.baseDir = baseDir;
  }

  /** The file, or null if a problem was found (then {@link Problems#throwIfAny()} throws). */
  @Nullable PolicyFile bind(@Nullable Node root) {
    if (root == null
        || (root instanceof Node.Scalar s
            && (s.token() == JsonToken.VALUE_NULL || (s.isString() && s.text().isEmpty())))) {
      problems.add(
          1, 1, "/", "the file is empty; a policy file is a mapping that starts with 'version: 1'");
      return null;
    }
    Node.MapNode doc = map(root, "");
    if (doc == null) {
      return null;
    }
    fields(doc, "", TOP);
    Long version = integer(doc, "", "version", true, 1, Long.MAX_VALUE);
    if (version != null && version != 1) {
      problems.add(
          value(doc, "version"), "/version", "unsupported version " + version + "; expected 1");
    }
    PolicySet.Builder set = PolicySet.builder();
    StateInheritance inheritance = inheritance(doc, "");
    if (inheritance != null) {
      set.inheritance(inheritance);
    }
    Node.MapNode failures = optionalMap(doc, "", "credentialFailureLimit");
    if (failures != null) {
      Limit limit = limit(failures, "/credentialFailureLimit");
      if (limit != null) {
        set.credentialFailureLimit(limit);
      }
    }
    Set<String> defined = policies(doc, set);
    tiers(doc, set, defined);
    routes(doc, set, defined);
    PolicyFile.Identity identity = identity(doc);
    PolicyFile.Audit audit = audit(doc);
    PolicyFile.Metrics metrics = metrics(doc);
    PolicyFile.Reload reload = reload(doc);
    if (problems.count() > 0) {
      return null;
    }
    PolicySet policies;
    try {
      policies = set.build();
    } catch (IllegalArgumentException e) {
      // the checks above leave little to the set's own; put what they missed where the message points
      String message = message(e);
      for (Map.Entry<String, Map.Entry<String, Node>> r : routeNames.entrySet()) {
        if (message.startsWith(r.getKey() + ":")) {
          problems.add(r.getValue().getValue(), r.getValue().getKey(), message);
          return null;
        }
      }
      String section =
          message.startsWith("tierOverride") ? "tiers" : message.startsWith("inheritance") ? "policies" : "";
      Node at = section.isEmpty() ? null : doc.get(section);
      problems.add(at != null ? at : doc, section.isEmpty() ? "/" : "/" + section, message);
      return null;
    }
    return new PolicyFile(problems.source(), policies, identity, audit, metrics, reload);
  }

  // ---------------------------------------------------------------- policies, tiers, routes

  private Set<String> policies(Node.MapNode doc, PolicySet.Builder set) {
    Set<String> defined = new LinkedHashSet<>();
    Node.MapNode policies = optionalMap(doc, "", "policies");
    if (policies == null) {
      return defined;
    }
    for (Node.Entry e : policies.entries().values()) {
      String name = e.key().name();
      String path = "/policies/" + Pointer.escape(name);
      defined.add(name);
      if (!Grammar.isName(name)) {
        problems.add(
            e.key().line(),
            e.key().column(),
            path,
            "a policy name has 1 to 64 letters, digits, '.', '_' or '-' but was '" + name + "'");
        continue;
      }
      Node.MapNode def = map(e.value(), path);
      if (def == null) {
        continue;
      }
      fields(def, path, POLICY);
      StateInheritance own = inheritance(def, path);
      Policy policy = policy(name, def, path);
      if (policy != null) {
        set.policy(policy);
        built.put(name, policy);
        if (own != null) {
          set.inheritance(name, own);
        }
      }
    }
    return defined;
  }

  private @Nullable Policy policy(String name, Node.MapNode def, String path) {
    int before = problems.count();
    Policy.Builder b = Policy.named(name);
    String lane = string(def, path, "lane", false);
    if (lane != null) {
      apply(def, path, "lane", () -> b.lane(lane));
    }
    Long cost = integer(def, path, "cost", false, 1, Long.MAX_VALUE);
    if (cost != null) {
      b.cost(cost);
    }
    Node.ListNode limits = list(def, path, "limits", true);
    if (limits != null) {
      if (limits.items().isEmpty()) {
        problems.add(limits, path + "/limits", "a policy needs at least one limit but the list is empty");
      }
      for (int i = 0; i < limits.items().size(); i++) {
        String at = path + "/limits/" + i;
        Node.MapNode l = map(limits.items().get(i), at);
        if (l != null) {
          Limit limit = limit(l, at);
          if (limit != null) {
            b.limit(limit);
          }
        }
      }
    }
    defence(def, path, "concurrency", m -> concurrency(m, path + "/concurrency"), b::concurrency);
    defence(def, path, "loopDetection", m -> loop(m, path + "/loopDetection"), b::loopDetection);
    defence(def, path, "burstDetection", m -> burst(m, path + "/burstDetection"), b::burstDetection);
    defence(def, path, "quarantine", m -> quarantine(m, path + "/quarantine"), b::quarantine);
    defence(def, path, "reputation", m -> reputation(m, path + "/reputation"), b::reputation);
    defence(def, path, "budget", m -> budget(m, path + "/budget"), b::budget);
    if (problems.count() > before) {
      return null;
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      Node at = limits != null ? limits : def;
      problems.add(at, limits != null ? path + "/limits" : path, message(e));
      return null;
    }
  }

  private <T> void defence(
      Node.MapNode def,
      String path,
      String field,
      java.util.function.Function<Node.MapNode, @Nullable T> read,
      Consumer<T> set) {
    Node.MapNode m = optionalMap(def, path, field);
    if (m != null) {
      T value = read.apply(m);
      if (value != null) {
        set.accept(value);
      }
    }
  }

  private void tiers(Node.MapNode doc, PolicySet.Builder set, Set<String> defined) {
    Node.MapNode tiers = optionalMap(doc, "", "tiers");
    if (tiers == null) {
      return;
    }
    for (Node.Entry tier : tiers.entries().values()) {
      String tierName = tier.key().name();
      String tierPath = "/tiers/" + Pointer.escape(tierName);
      if (!Grammar.isTier(tierName)) {
        problems.add(tier.key().line(), tier.key().column(), tierPath, "a tier name must not be blank");
        continue;
      }
      Node.MapNode byName = map(tier.value(), tierPath);
      if (byName == null) {
        continue;
      }
      for (Node.Entry e : byName.entries().values()) {
        String replaced = e.key().name();
        String path = tierPath + "/" + Pointer.escape(replaced);
        if (!Grammar.isName(replaced)) {
          problems.add(
              e.key().line(),
              e.key().column(),
              path,
              "a policy name has 1 to 64 letters, digits, '.', '_' or '-' but was '" + replaced + "'");
          continue;
        }
        String replacement = string(e.value(), path);
        if (replacement == null) {
          continue;
        }
        if (!defined.contains(replacement)) {
          problems.add(
              e.value(),
              path,
              "policy '" + replacement + "' is not defined in this file; defined: " + defined);
          continue;
        }
        try {
          set.tierOverride(tierName, replaced, replacement);
        } catch (IllegalArgumentException ex) {
          problems.add(e.value(), path, message(ex));
        }
      }
    }
  }

  private void routes(Node.MapNode doc, PolicySet.Builder set, Set<String> defined) {
    Node.ListNode routes = list(doc, "", "routes", false);
    if (routes == null) {
      return;
    }
    for (int i = 0; i < routes.items().size(); i++) {
      String path = "/routes/" + i;
      Node.MapNode r = map(routes.items().get(i), path);
      if (r == null) {
        continue;
      }
      int before = problems.count();
      fields(r, path, ROUTE);
      String method = string(r, path, "method", false);
      if (method != null) {
        apply(r, path, "method", () -> Grammar.checkMethod("method", method));
      }
      String pattern = string(r, path, "pattern", true);
      if (pattern != null) {
        apply(r, path, "pattern", () -> Grammar.checkRoutePattern("route", pattern));
      }
      Route.Builder route = Route.builder();
      Node.ListNode policies = list(r, path, "policies", false);
      if (policies != null) {
        for (int j = 0; j < policies.items().size(); j++) {
          Node item = policies.items().get(j);
          String at = path + "/policies/" + j;
          if (item instanceof Node.MapNode def) {
            fields(def, at, INLINE_POLICY);
            String name = string(def, at, "name", true);
            if (name != null && Grammar.isName(name)) {
              Policy p = policy(name, def, at);
              if (p != null && sameEverywhere(p, def, at)) {
                attempt(def, at, () -> route.policy(p));
              }
            } else if (name != null) {
              problems.add(
                  value(def, "name"),
                  at + "/name",
                  "a policy name has 1 to 64 letters, digits, '.', '_' or '-' but was '" + name + "'");
            }
          } else {
            String name = string(item, at);
            if (name == null) {
              continue;
            }
            if (!defined.contains(name)) {
              problems.add(
                  item,
                  at,
                  "policy '" + name + "' is not defined in this file; defined: " + defined
                      + " (or define it here, as a mapping with a name)");
              continue;
            }
            attempt(item, at, () -> route.policy(name));
          }
        }
      }
      List<String> scopes = strings(r, path, "scopes");
      if (scopes != null) {
        for (int j = 0; j < scopes.size(); j++) {
          String scope = scopes.get(j);
          attempt(itemOf(r, "scopes", j), path + "/scopes/" + j, () -> route.requireScope(scope));
        }
      }
      Boolean anonymous = bool(r, path, "anonymous");
      if (Boolean.TRUE.equals(anonymous)) {
        route.allowAnonymous();
      }
      Boolean shadow = bool(r, path, "shadow");
      Node.MapNode rules = optionalMap(r, path, "rules");
      if (rules != null) {
        RequestRules requestRules = rules(rules, path + "/rules");
        if (requestRules != null) {
          route.rules(requestRules);
        }
      }
      if (problems.count() > before || pattern == null) {
        continue;
      }
      Route built = route.build();
      routeNames.put(
          "route " + (method == null ? "" : method.toUpperCase(Locale.ROOT) + " ") + pattern, Map.entry(path, r));
      attempt(
          r,
          path,
          () -> {
            if (Boolean.TRUE.equals(shadow)) {
              set.shadowRoute(method, pattern, built);
            } else {
              set.route(method, pattern, built);
            }
          });
    }
  }

  /**
   * Whether a policy defined on a route equals the file's policy of that name and every other route's
   * definition of it (one name, one policy); a problem at the route's definition if not.
   */
  private boolean sameEverywhere(Policy p, Node.MapNode def, String path) {
    Policy top = built.get(p.name());
    if (top != null && !top.equals(p)) {
      problems.add(
          def,
          path,
          "policy '" + p.name() + "' differs from /policies/" + Pointer.escape(p.name())
              + "; one name must mean one policy: list it here by name, or give this one a name of its own");
      return false;
    }
    Map.Entry<String, Policy> earlier = inline.putIfAbsent(p.name(), Map.entry(path, p));
    if (earlier != null && !earlier.getValue().equals(p)) {
      problems.add(
          def,
          path,
          "policy '" + p.name() + "' differs from its definition at " + earlier.getKey()
              + "; one name must mean one policy");
      return false;
    }
    return true;
  }

  private @Nullable RequestRules rules(Node.MapNode m, String path) {
    int before = problems.count();
    fields(m, path, RULES);
    RequestRules.Builder b = RequestRules.builder();
    List<String> headers = strings(m, path, "requiredHeaders");
    if (headers != null) {
      for (int i = 0; i < headers.size(); i++) {
        String h = headers.get(i);
        attempt(itemOf(m, "requiredHeaders", i), path + "/requiredHeaders/" + i, () -> b.requireHeader(h));
      }
    }
    List<String> types = strings(m, path, "contentTypes");
    if (types != null) {
      for (int i = 0; i < types.size(); i++) {
        String t = types.get(i);
        attempt(itemOf(m, "contentTypes", i), path + "/contentTypes/" + i, () -> b.allowContentType(t));
      }
    }
    Long max = integer(m, path, "maxBodyBytes", false, 0, RequestRules.MAX_BODY_BYTES);
    if (max != null) {
      b.maxBodyBytes(max);
    }
    if (Boolean.TRUE.equals(bool(m, path, "json"))) {
      b.json();
    }
    return problems.count() > before ? null : b.build();
  }

  // ---------------------------------------------------------------- limits and defences

  private @Nullable Limit limit(Node.MapNode m, String path) {
    int before = problems.count();
    fields(m, path, LIMIT);
    String name = string(m, path, "name", false);
    if (name != null && !Grammar.isName(name)) {
      problems.add(
          value(m, "name"),
          path + "/name",
          "a limit name has 1 to 64 letters, digits, '.', '_' or '-' but was '" + name + "'");
    }
    Long capacity = integer(m, path, "capacity", true, 1, Long.MAX_VALUE);
    Long refill = integer(m, path, "refill", true, 1, Long.MAX_VALUE);
    Duration per = duration(m, path, "per", true);
    if (per != null && per.isZero()) {
      problems.add(value(m, "per"), path + "/per", "must be > 0 but was " + text(m, "per"));
      per = null;
    }
    Long initial = integer(m, path, "initialTokens", false, 0, Long.MAX_VALUE);
    if (initial != null && capacity != null && initial > capacity) {
      problems.add(
          value(m, "initialTokens"),
          path + "/initialTokens",
          "must be between 0 and the capacity " + capacity + " but was " + initial);
    }
    if (problems.count() > before || capacity == null || refill == null || per == null) {
      return null;
    }
    Duration period = per;
    Limit[] built = new Limit[1];
    attempt(
        m,
        path,
        () -> {
          Limit l = Limit.capacity(capacity).refill(refill).per(period);
          if (name != null) {
            l = l.named(name);
          }
          if (initial != null) {
            l = l.withInitialTokens(initial);
          }
          built[0] = l;
        });
    return built[0];
  }

  private @Nullable ConcurrencyLimit concurrency(Node.MapNode m, String path) {
    int before = problems.count();
    fields(m, path, CONCURRENCY);
    Long max = integer(m, path, "maxInFlight", true, 1, Integer.MAX_VALUE);
    Duration hold = duration(m, path, "maxHold", false);
    Duration retry = duration(m, path, "retryAfter", false);
    if (problems.count() > before || max == null) {
      return null;
    }
    return build(
        m,
        path,
        () -> {
          ConcurrencyLimit c = ConcurrencyLimit.of(max.intValue());
          if (hold != null) {
            c = c.withMaxHold(hold);
          }
          return retry != null ? c.withRetryAfter(retry) : c;
        });
  }

  private @Nullable LoopDetection loop(Node.MapNode m, String path) {
    int before = problems.count();
    fields(m, path, LOOP);
    Long repeats = integer(m, path, "repeats", true, 1, Integer.MAX_VALUE);
    Duration window = duration(m, path, "window", true);
    Long errors = integer(m, path, "errorRepeats", false, 1, Integer.MAX_VALUE);
    Duration backoff = duration(m, path, "backoff", false);
    Duration maxBackoff = duration(m, path, "maxBackoff", false);
    Long tracked = integer(m, path, "trackedFingerprints", false, 1, Integer.MAX_VALUE);
    if (problems.count() > before || repeats == null || window == null) {
      return null;
    }
    return build(
        m,
        path,
        () -> {
          LoopDetection d = LoopDetection.after(repeats.intValue()).within(window);
          if (errors != null) {
            d = d.withErrorRepeats(errors.intValue());
          }
          if (backoff != null || maxBackoff != null) {
            d = d.withBackoff(
                backoff != null ? backoff : d.backoff(), maxBackoff != null ? maxBackoff : d.maxBackoff());
          }
          return tracked != null ? d.withTrackedFingerprints(tracked.intValue()) : d;
        });
  }

  private @Nullable BurstDetection burst(Node.MapNode m, String path) {
    int before = problems.count();
    fields(m, path, BURST);
    Long factor = integer(m, path, "factor", true, 1, Integer.MAX_VALUE);
    Duration window = duration(m, path, "window", false);
    Duration baseline = duration(m, path, "baseline", false);
    Long minimum = integer(m, path, "minimumRate", false, 1, Long.MAX_VALUE);
    String mode = choice(m, path, "mode", List.of("report", "throttle"));
    if (problems.count() > before || factor == null) {
      return null;
    }
    return build(
        m,
        path,
        () -> {
          BurstDetection d = BurstDetection.factor(factor.intValue());
          if (window != null || baseline != null) {
            d = d.withWindows(
                window != null ? window : d.window(), baseline != null ? baseline : d.baseline());
          }
          if (minimum != null) {
            d = d.withMinimumRate(minimum);
          }
          return "throttle".equals(mode) ? d.withMode(BurstDetection.Mode.THROTTLE) : d;
        });
  }

  private @Nullable Quarantine quarantine(Node.MapNode m, String path) {
    int before = problems.count();
    fields(m, path, QUARANTINE);
    Long denials = integer(m, path, "denials", true, 1, Integer.MAX_VALUE);
    Duration within = duration(m, path, "within", true);
    Duration duration = duration(m, path, "duration", false);
    Duration maximum = duration(m, path, "maximum", false);
    Duration decay = duration(m, path, "decayAfter", false);
    Boolean onLoop = bool(m, path, "onLoop");
    if (problems.count() > before || denials == null || within == null) {
      return null;
    }
    return build(
        m,
        path,
        () -> {
          Quarantine q = Quarantine.after(denials.intValue()).within(within);
          if (maximum != null) {
            q = q.withDuration(duration != null ? duration : q.duration(), maximum);
          } else if (duration != null) {
            q = q.withDuration(duration);
          }
          if (decay != null) {
            q = q.withDecayAfter(decay);
          }
          return onLoop != null ? q.withOnLoop(onLoop) : q;
        });
  }

  private @Nullable Reputation reputation(Node.MapNode m, String path) {
    int before = problems.count();
    fields(m, path, REPUTATION);
    Long errorPercent = integer(m, path, "errorPercent", true, 0, Integer.MAX_VALUE);
    Duration window = duration(m, path, "window", true);
    Long samples = integer(m, path, "minimumSamples", false, 1, Integer.MAX_VALUE);
    Long decrease = integer(m, path, "decreasePercent", false, 1, Integer.MAX_VALUE);
    Long increase = integer(m, path, "increasePercent", false, 1, Integer.MAX_VALUE);
    Long floor = integer(m, path, "floorPercent", false, 1, Integer.MAX_VALUE);
    Long ceiling = integer(m, path, "ceilingPercent", false, 1, Integer.MAX_VALUE);
    if (problems.count() > before || errorPercent == null || window == null) {
      return null;
    }
    return build(
        m,
        path,
        () -> {
          Reputation r = Reputation.errorsAbove(errorPercent.intValue()).within(window);
          if (samples != null) {
            r = r.withMinimumSamples(samples.intValue());
          }
          if (decrease != null || increase != null) {
            r = r.withSteps(
                decrease != null ? decrease.intValue() : r.decreasePercent(),
                increase != null ? increase.intValue() : r.increasePercent());
          }
          if (floor != null || ceiling != null) {
            r = r.withBounds(
                floor != null ? floor.intValue() : r.floorPercent(),
                ceiling != null ? ceiling.intValue() : r.ceilingPercent());
          }
          return r;
        });
  }

  private @Nullable Budget budget(Node.MapNode m, String path) {
    int before = problems.count();
    fields(m, path, BUDGET);
    String name = string(m, path, "name", true);
    if (name != null && !Grammar.isName(name)) {
      problems.add(
          value(m, "name"),
          path + "/name",
          "a budget name has 1 to 64 letters, digits, '.', '_' or '-' but was '" + name + "'");
    }
    Long amount = integer(m, path, "amount", true, 1, Long.MAX_VALUE);
    String reset = choice(m, path, "reset", List.of("daily", "monthly", "fixed"));
    if (m.get("reset") == null) {
      missing(m, path, "reset");
    }
    Duration interval = duration(m, path, "interval", false);
    if ("fixed".equals(reset) && interval == null && m.get("interval") == null) {
      problems.add(m, path + "/interval", "a fixed budget needs an interval, such as 1h or PT6H");
    }
    if (reset != null && !"fixed".equals(reset) && m.get("interval") != null) {
      problems.add(
          value(m, "interval"),
          path + "/interval",
          "only a fixed budget has an interval; a " + reset + " budget's period is the calendar's");
    }
    if (problems.count() > before || name == null || amount == null || reset == null) {
      return null;
    }
    return build(
        m,
        path,
        () -> {
          Budget.Period p = Budget.named(name).amount(amount);
          return switch (reset) {
            case "daily" -> p.perDay();
            case "monthly" -> p.perMonth();
            default -> p.every(java.util.Objects.requireNonNull(interval));
          };
        });
  }

  // ---------------------------------------------------------------- the other sections

  private PolicyFile.@Nullable Identity identity(Node.MapNode doc) {
    Node.MapNode m = optionalMap(doc, "", "identity");
    if (m == null) {
      return null;
    }
    String path = "/identity";
    fields(m, path, IDENTITY);
    Path keys = null;
    String keyFile = string(m, path, "apiKeyFile", false);
    if (keyFile != null) {
      if (keyFile.isBlank()) {
        problems.add(value(m, "apiKeyFile"), path + "/apiKeyFile", "must be a file path but was blank");
      } else {
        try {
          keys = baseDir != null ? baseDir.resolve(keyFile) : Path.of(keyFile);
        } catch (InvalidPathException e) {
          problems.add(
              value(m, "apiKeyFile"), path + "/apiKeyFile", "is not a file path: " + e.getMessage());
        }
      }
    }
    List<String> proxies = strings(m, path, "trustedProxies");
    if (proxies != null) {
      for (int i = 0; i < proxies.size(); i++) {
        String block = proxies.get(i);
        attempt(
            itemOf(m, "trustedProxies", i),
            path + "/trustedProxies/" + i,
            () -> IdentityResolvers.clientAddress(List.of(block)));
      }
    }
    ForwardedHeader header = null;
    String headerName = string(m, path, "forwardedHeader", false);
    if (headerName != null) {
      for (ForwardedHeader h : ForwardedHeader.values()) {
        if (h.headerName().equalsIgnoreCase(headerName)) {
          header = h;
        }
      }
      if (header == null) {
        problems.add(
            value(m, "forwardedHeader"),
            path + "/forwardedHeader",
            "expected one of X-Forwarded-For, Forwarded, X-Real-IP but was '" + headerName + "'");
      }
    }
    List<PolicyFile.JwtIssuer> issuers = new ArrayList<>();
    Node.ListNode jwt = list(m, path, "jwt", false);
    if (jwt != null) {
      for (int i = 0; i < jwt.items().size(); i++) {
        String at = path + "/jwt/" + i;
        Node.MapNode issuer = map(jwt.items().get(i), at);
        if (issuer != null) {
          PolicyFile.JwtIssuer j = jwtIssuer(issuer, at);
          if (j != null && issuers.stream().anyMatch(other -> other.issuer().equals(j.issuer()))) {
            problems.add(
                value(issuer, "issuer"),
                at + "/issuer",
                "issuer '" + j.issuer() + "' is listed twice; list each issuer once, with all its audiences");
          } else if (j != null) {
            issuers.add(j);
          }
        }
      }
    }
    return new PolicyFile.Identity(
        Optional.ofNullable(keys),
        proxies == null ? List.of() : proxies,
        Optional.ofNullable(header),
        issuers);
  }

  private PolicyFile.@Nullable JwtIssuer jwtIssuer(Node.MapNode m, String path) {
    int before = problems.count();
    fields(m, path, JWT);
    String issuer = string(m, path, "issuer", true);
    if (issuer != null && issuer.isBlank()) {
      problems.add(value(m, "issuer"), path + "/issuer", "must not be blank");
    }
    URI jwks = null;
    String uri = string(m, path, "jwksUri", true);
    if (uri != null) {
      try {
        jwks = new URI(uri);
        if (!jwks.isAbsolute()
            || !("https".equalsIgnoreCase(jwks.getScheme()) || "http".equalsIgnoreCase(jwks.getScheme()))
            || jwks.getHost() == null) {
          problems.add(
              value(m, "jwksUri"),
              path + "/jwksUri",
              "expected an absolute https (or http) URI such as https://issuer.example/.well-known/jwks.json"
                  + " but was '" + uri + "'");
        }
      } catch (URISyntaxException e) {
        problems.add(value(m, "jwksUri"), path + "/jwksUri", "is not a URI: " + e.getMessage());
      }
    }
    List<String> audiences = strings(m, path, "audiences");
    if (audiences == null && m.get("audiences") == null) {
      missing(m, path, "audiences");
    } else if (audiences != null) {
      nonEmptyDistinct(m, path, "audiences", audiences, null);
      if (audiences.size() > 1) {
        problems.add(
            value(m, "audiences"),
            path + "/audiences",
            "lists " + audiences.size() + " audiences but the JWT resolver checks one per issuer; list one");
      }
    }
    List<String> algorithms = strings(m, path, "algorithms");
    if (algorithms == null && m.get("algorithms") == null) {
      missing(m, path, "algorithms");
    } else if (algorithms != null) {
      nonEmptyDistinct(m, path, "algorithms", algorithms, JWT_ALGORITHMS);
    }
    Duration skew = duration(m, path, "clockSkew", false);
    if (skew != null && skew.compareTo(MAX_CLOCK_SKEW) > 0) {
      problems.add(
          value(m, "clockSkew"),
          path + "/clockSkew",
          "must be between 0s and 5m but was " + text(m, "clockSkew"));
    }
    Boolean expiry = bool(m, path, "requireExpiry");
    if (Boolean.FALSE.equals(expiry)) {
      problems.add(
          value(m, "requireExpiry"),
          path + "/requireExpiry",
          "must be true: limiter-jwt refuses every token without exp (a token that never expires is a"
              + " stolen key forever); leave the field out");
    }
    if (problems.count() > before || issuer == null || jwks == null || audiences == null
        || algorithms == null) {
      return null;
    }
    return new PolicyFile.JwtIssuer(
        issuer,
        jwks,
        audiences,
        algorithms,
        skew != null ? skew : PolicyFile.JwtIssuer.DEFAULT_CLOCK_SKEW,
        expiry == null || expiry);
  }

  private void nonEmptyDistinct(
      Node.MapNode m, String path, String field, List<String> values, @Nullable List<String> allowed) {
    if (values.isEmpty()) {
      problems.add(value(m, field), path + "/" + field, "needs at least one value but the list is empty");
    }
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      Node at = itemOf(m, field, i);
      if (v.isBlank()) {
        problems.add(at, path + "/" + field + "/" + i, "must not be blank");
      } else if (allowed != null && !allowed.contains(v)) {
        problems.add(
            at,
            path + "/" + field + "/" + i,
            "expected one of " + String.join(", ", allowed) + " but was '" + v + "'");
      } else if (!seen.add(v)) {
        problems.add(at, path + "/" + field + "/" + i, "'" + v + "' is listed twice");
      }
    }
  }

  private PolicyFile.@Nullable Audit audit(Node.MapNode doc) {
    Node.MapNode m = optionalMap(doc, "", "audit");
    if (m == null) {
      return null;
    }
    fields(m, "/audit", AUDIT);
    Boolean admissions = bool(m, "/audit", "admissions");
    return new PolicyFile.Audit(Boolean.TRUE.equals(admissions));
  }

  private PolicyFile.@Nullable Metrics metrics(Node.MapNode doc) {
    Node.MapNode m = optionalMap(doc, "", "metrics");
    if (m == null) {
      return null;
    }
    fields(m, "/metrics", METRICS);
    Boolean enabled = bool(m, "/metrics", "enabled");
    String prefix = string(m, "/metrics", "prefix", false);
    if (prefix != null && (prefix.length() > 64 || !METRIC_PREFIX.matcher(prefix).matches())) {
      problems.add(
          value(m, "prefix"),
          "/metrics/prefix",
          "expected dot-separated lower-case words of letters, digits and '_', at most 64 characters,"
              + " such as agent.limiter, but was '" + prefix + "'");
    }
    return new PolicyFile.Metrics(enabled == null || enabled, Optional.ofNullable(prefix));
  }

  private PolicyFile.@Nullable Reload reload(Node.MapNode doc) {
    Node.MapNode m = optionalMap(doc, "", "reload");
    if (m == null) {
      return null;
    }
    fields(m, "/reload", RELOAD);
    Duration poll = duration(m, "/reload", "poll", false);
    if (poll != null && (poll.compareTo(MIN_POLL) < 0 || poll.compareTo(MAX_POLL) > 0)) {
      problems.add(
          value(m, "poll"), "/reload/poll", "must be between 1s and 5m but was " + text(m, "poll"));
      poll = null;
    }
    return new PolicyFile.Reload(poll != null ? poll : PolicyFile.Reload.DEFAULT_POLL);
  }

  // ---------------------------------------------------------------- typed fields

  private @Nullable StateInheritance inheritance(Node.MapNode m, String path) {
    String rule = choice(m, path, "inheritance", List.of("as-is", "proportional", "reset"));
    if (rule == null) {
      return null;
    }
    return switch (rule) {
      case "proportional" -> StateInheritance.PROPORTIONAL;
      case "reset" -> StateInheritance.RESET;
      default -> StateInheritance.AS_IS;
    };
  }

  /** Refuses every field of {@code m} not in {@code allowed}, naming the allowed ones. */
  private void fields(Node.MapNode m, String path, List<String> allowed) {
    for (Node.Entry e : m.entries().values()) {
      if (!allowed.contains(e.key().name())) {
        problems.add(
            e.key().line(),
            e.key().column(),
            path + "/" + Pointer.escape(e.key().name()),
            "unknown field '" + e.key().name() + "'; allowed: " + String.join(", ", allowed));
      }
    }
  }

  private void missing(Node.MapNode m, String path, String field) {
    problems.add(m, path + "/" + field, "missing required field '" + field + "'");
  }

  private Node.@Nullable MapNode map(Node n, String path) {
    if (n instanceof Node.MapNode m) {
      return m;
    }
    problems.add(n, Pointer.display(path), "expected a mapping but was " + n.describe());
    return null;
  }

  private Node.@Nullable MapNode optionalMap(Node.MapNode m, String path, String field) {
    Node n = m.get(field);
    return n == null ? null : map(n, path + "/" + field);
  }

  private Node.@Nullable ListNode list(Node.MapNode m, String path, String field, boolean required) {
    Node n = m.get(field);
    if (n == null) {
      if (required) {
        missing(m, path, field);
      }
      return null;
    }
    if (n instanceof Node.ListNode l) {
      return l;
    }
    problems.add(n, path + "/" + field, "expected a list but was " + n.describe());
    return null;
  }

  private @Nullable String string(Node.MapNode m, String path, String field, boolean required) {
    Node n = m.get(field);
    if (n == null) {
      if (required) {
        missing(m, path, field);
      }
      return null;
    }
    return string(n, path + "/" + field);
  }

  private @Nullable String string(Node n, String path) {
    if (n instanceof Node.Scalar s && s.isString()) {
      return s.text();
    }
    problems.add(n, path, "expected a string but was " + n.describe());
    return null;
  }

  private @Nullable List<String> strings(Node.MapNode m, String path, String field) {
    Node.ListNode l = list(m, path, field, false);
    if (l == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < l.items().size(); i++) {
      String s = string(l.items().get(i), path + "/" + field + "/" + i);
      if (s == null) {
        ok = false;
      } else {
        out.add(s);
      }
    }
    return ok ? out : null;
  }

  private @Nullable String choice(Node.MapNode m, String path, String field, List<String> allowed) {
    String s = string(m, path, field, false);
    if (s != null && !allowed.contains(s)) {
      problems.add(
          value(m, field),
          path + "/" + field,
          "expected one of " + String.join(", ", allowed) + " but was '" + s + "'");
      return null;
    }
    return s;
  }

  private @Nullable Long integer(
      Node.MapNode m, String path, String field, boolean required, long min, long max) {
    Node n = m.get(field);
    String at = path + "/" + field;
    if (n == null) {
      if (required) {
        missing(m, path, field);
      }
      return null;
    }
    BigInteger value = n instanceof Node.Scalar s ? s.integer() : null;
    if (value == null) {
      problems.add(n, at, "expected an integer but was " + n.describe());
      return null;
    }
    if (value.compareTo(BigInteger.valueOf(min)) < 0) {
      problems.add(n, at, (min == 1 ? "must be > 0" : "must be >= " + min) + " but was " + value);
      return null;
    }
    if (value.compareTo(BigInteger.valueOf(max)) > 0) {
      problems.add(n, at, "must be <= " + max + " but was " + value);
      return null;
    }
    return value.longValue();
  }

  private @Nullable Boolean bool(Node.MapNode m, String path, String field) {
    Node n = m.get(field);
    if (n == null) {
      return null;
    }
    if (n instanceof Node.Scalar s
        && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)
        && (s.text().equals("true") || s.text().equals("false"))) {
      return s.token() == JsonToken.VALUE_TRUE;
    }
    problems.add(n, path + "/" + field, "expected true or false but was " + n.describe());
    return null;
  }

  private @Nullable Duration duration(Node.MapNode m, String path, String field, boolean required) {
    Node n = m.get(field);
    if (n == null) {
      if (required) {
        missing(m, path, field);
      }
      return null;
    }
    Duration d = n instanceof Node.Scalar s && s.isString() ? Durations.parse(s.text()) : null;
    if (d == null) {
      problems.add(
          n,
          path + "/" + field,
          "expected a duration such as 1s, 500ms or PT1M but was "
              + (n instanceof Node.Scalar s && s.isString() ? "'" + s.text() + "'" : n.describe()));
    }
    return d;
  }

  // ---------------------------------------------------------------- builder errors

  /** Runs a builder step; its refusal becomes a problem at the field its message names. */
  private void attempt(Node at, String path, Runnable step) {
    try {
      step.run();
    } catch (IllegalArgumentException | IllegalStateException e) {
      if (at instanceof Node.MapNode m) {
        locate(m, path, message(e));
      } else {
        problems.add(at, path, message(e));
      }
    }
  }

  private void apply(Node.MapNode m, String path, String field, Runnable step) {
    Node n = m.get(field);
    attempt(n != null ? n : m, path + "/" + field, step);
  }

  private <T> @Nullable T build(Node.MapNode m, String path, java.util.function.Supplier<T> step) {
    try {
      return step.get();
    } catch (IllegalArgumentException e) {
      locate(m, path, message(e));
      return null;
    }
  }

  /** Adds the problem at the field of {@code m} that the builder's message names, else at {@code m}. */
  private void locate(Node.MapNode m, String path, String message) {
    for (Map.Entry<String, Node.Entry> e : m.entries().entrySet()) {
      String key = e.getKey();
      String named = key.equals("per") ? "period" : key;
      if (message.contains(": " + named + " ") || message.contains("' " + named + " ")
          || message.contains(": " + named + ":") || message.startsWith(named + " ")) {
        problems.add(e.getValue().value(), path + "/" + Pointer.escape(key), message);
        return;
      }
    }
    problems.add(m, Pointer.display(path), message);
  }

  private static String message(RuntimeException e) {
    return String.valueOf(e.getMessage());
  }

  private static Node value(Node.MapNode m, String field) {
    return java.util.Objects.requireNonNull(m.get(field), field);
  }

  private static String text(Node.MapNode m, String field) {
    Node n = value(m, field);
    return n instanceof Node.Scalar s ? s.text() : n.describe();
  }

  private static Node itemOf(Node.MapNode m, String field, int i) {
    return ((Node.ListNode) value(m, field)).items().get(i);
  }

  /** The durations of policy files. */
  static final class Durations {
    private Durations() {}

    /**
     * {@code 500ms}, {@code 1s}, {@code 1m}, {@code 1h}, {@code 1d} (a whole number and a unit) or an
     * ISO-8601 duration such as {@code PT1M30S}; never negative. Null if it is none of these.
     */
    static @Nullable Duration parse(String text) {
      java.util.regex.Matcher short_ = SHORT_DURATION.matcher(text);
      try {
        if (short_.matches()) {
          long n = Long.parseLong(short_.group(1));
          return switch (short_.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
        }
        if (text.startsWith("P") || text.startsWith("p")) {
          Duration d = Duration.parse(text);
          return d.isNegative() ? null : d;
        }
      } catch (ArithmeticException | java.time.format.DateTimeParseException e) {
        return null;
      }
      return null;
    }

    /** The shortest exact form: {@code 1d}, {@code 2h}, {@code 90s}, {@code 500ms}, else ISO-8601. */
    static String format(Duration d) {
      if (d.isNegative() || d.toNanosPart() % 1_000_000 != 0) {
        return d.toString();
      }
      try {
        long ms = d.toMillis();
        if (ms == 0) {
          return "0s";
        }
        if (ms % 86_400_000L == 0) {
          return ms / 86_400_000L + "d";
        }
        if (ms % 3_600_000L == 0) {
          return ms / 3_600_000L + "h";
        }
        if (ms % 60_000L == 0) {
          return ms / 60_000L + "m";
        }
        if (ms % 1000 == 0) {
          return ms / 1000 + "s";
        }
        return ms + "ms";
      } catch (ArithmeticException e) {
        return d.toString();
      }
    }
  }
}
