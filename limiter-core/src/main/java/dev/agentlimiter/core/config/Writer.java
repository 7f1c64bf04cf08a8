package dev.agentlimiter.core.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.api.StateInheritance;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Writes a {@link PolicySet} as the canonical text of a policy file, through Jackson's generator. */
final class Writer {

  private final JsonGenerator g;

  private Writer(JsonGenerator g) {
    this.g = g;
  }

  static String write(PolicySet set, JsonFactory factory, boolean pretty) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = factory.createGenerator(out)) {
      if (pretty) {
        g.useDefaultPrettyPrinter();
      }
      new Writer(g).document(set);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String text = out.toString();
    return text.endsWith("\n") ? text : text + "\n";
  }

  private void document(PolicySet set) throws IOException {
    g.writeStartObject();
    g.writeNumberField("version", 1);
    if (set.inheritance() != StateInheritance.AS_IS) {
      g.writeStringField("inheritance", inheritance(set.inheritance()));
    }
    Optional<Limit> failures = set.credentialFailureLimit();
    if (failures.isPresent()) {
      g.writeFieldName("credentialFailureLimit");
      limit(failures.get());
    }
    if (!set.policies().isEmpty()) {
      g.writeObjectFieldStart("policies");
      for (Policy p : set.policies().values()) {
        g.writeFieldName(p.name());
        policy(p, false, set.inheritanceByPolicy().get(p.name()));
      }
      g.writeEndObject();
    }
    if (!set.tierOverrides().isEmpty()) {
      g.writeObjectFieldStart("tiers");
      for (Map.Entry<String, Map<String, String>> tier : set.tierOverrides().entrySet()) {
        g.writeObjectFieldStart(tier.getKey());
        for (Map.Entry<String, String> e : tier.getValue().entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    if (!set.routes().isEmpty()) {
      g.writeArrayFieldStart("routes");
      for (PolicySet.RouteRule r : set.routes()) {
        route(r);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  private void route(PolicySet.RouteRule rule) throws IOException {
    Route route = rule.route();
    g.writeStartObject();
    if (rule.method().isPresent()) {
      g.writeStringField("method", rule.method().get());
    }
    g.writeStringField("pattern", rule.pattern());
    if (!route.policyNames().isEmpty()) {
      g.writeArrayFieldStart("policies");
      for (String name : route.policyNames()) {
        Policy inline = route.definition(name);
        if (inline != null) {
          policy(inline, true, null);
        } else {
          g.writeString(name);
        }
      }
      g.writeEndArray();
    }
    strings("scopes", route.requiredScopes());
    if (route.allowsAnonymous()) {
      g.writeBooleanField("anonymous", true);
    }
    if (rule.shadow()) {
      g.writeBooleanField("shadow", true);
    }
    RequestRules rules = route.rules();
    if (!rules.isEmpty() || rules.json()) {
      g.writeObjectFieldStart("rules");
      strings("requiredHeaders", rules.requiredHeaders());
      strings("contentTypes", rules.contentTypes());
      if (rules.maxBodyBytes().isPresent()) {
        g.writeNumberField("maxBodyBytes", rules.maxBodyBytes().getAsLong());
      }
      if (rules.json()) {
        g.writeBooleanField("json", true);
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private void strings(String field, Set<String> values) throws IOException {
    if (!values.isEmpty()) {
      g.writeArrayFieldStart(field);
      for (String v : values) {
        g.writeString(v);
      }
      g.writeEndArray();
    }
  }

  private void policy(Policy p, boolean inline, @Nullable StateInheritance own) throws IOException {
    g.writeStartObject();
    if (inline) {
      g.writeStringField("name", p.name());
    }
    if (!p.lane().equals(Policy.DEFAULT_LANE)) {
      g.writeStringField("lane", p.lane());
    }
    if (p.cost() != 1) {
      g.writeNumberField("cost", p.cost());
    }
    if (own != null) {
      g.writeStringField("inheritance", inheritance(own));
    }
    g.writeArrayFieldStart("limits");
    for (Limit l : p.limits()) {
      limit(l);
    }
    g.writeEndArray();
    if (p.concurrency().isPresent()) {
      ConcurrencyLimit c = p.concurrency().get();
      g.writeObjectFieldStart("concurrency");
      g.writeNumberField("maxInFlight", c.maxInFlight());
      duration("maxHold", c.maxHold());
      duration("retryAfter", c.retryAfter());
      g.writeEndObject();
    }
    if (p.loopDetection().isPresent()) {
      LoopDetection d = p.loopDetection().get();
      g.writeObjectFieldStart("loopDetection");
      g.writeNumberField("repeats", d.repeats());
      duration("window", d.window());
      g.writeNumberField("errorRepeats", d.errorRepeats());
      duration("backoff", d.backoff());
      duration("maxBackoff", d.maxBackoff());
      g.writeNumberField("trackedFingerprints", d.trackedFingerprints());
      g.writeEndObject();
    }
    if (p.burstDetection().isPresent()) {
      BurstDetection d = p.burstDetection().get();
      g.writeObjectFieldStart("burstDetection");
      g.writeNumberField("factor", d.factor());
      duration("window", d.window());
      duration("baseline", d.baseline());
      g.writeNumberField("minimumRate", d.minimumRate());
      g.writeStringField("mode", d.mode().name().toLowerCase(Locale.ROOT));
      g.writeEndObject();
    }
    if (p.quarantine().isPresent()) {
      Quarantine q = p.quarantine().get();
      g.writeObjectFieldStart("quarantine");
      g.writeNumberField("denials", q.denials());
      duration("within", q.within());
      duration("duration", q.duration());
      duration("maximum", q.maximum());
      duration("decayAfter", q.decayAfter());
      g.writeBooleanField("onLoop", q.onLoop());
      g.writeEndObject();
    }
    if (p.reputation().isPresent()) {
      Reputation r = p.reputation().get();
      g.writeObjectFieldStart("reputation");
      g.writeNumberField("errorPercent", r.errorPercent());
      duration("window", r.window());
      g.writeNumberField("minimumSamples", r.minimumSamples());
      g.writeNumberField("decreasePercent", r.decreasePercent());
      g.writeNumberField("increasePercent", r.increasePercent());
      g.writeNumberField("floorPercent", r.floorPercent());
      g.writeNumberField("ceilingPercent", r.ceilingPercent());
      g.writeEndObject();
    }
    if (p.budget().isPresent()) {
      Budget b = p.budget().get();
      g.writeObjectFieldStart("budget");
      g.writeStringField("name", b.name());
      g.writeNumberField("amount", b.amount());
      g.writeStringField("reset", b.reset().name().toLowerCase(Locale.ROOT));
      if (b.reset() == Budget.Reset.FIXED) {
        duration("interval", b.interval());
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private void limit(Limit l) throws IOException {
    g.writeStartObject();
    String name = l.name();
    if (name != null) {
      g.writeStringField("name", name);
    }
    g.writeNumberField("capacity", l.capacity());
    g.writeNumberField("refill", l.refillTokens());
    duration("per", l.refillPeriod());
    if (l.initialTokens() != l.capacity()) {
      g.writeNumberField("initialTokens", l.initialTokens());
    }
    g.writeEndObject();
  }

  private void duration(String field, Duration d) throws IOException {
    g.writeStringField(field, Binder.Durations.format(d));
  }

  private static String inheritance(StateInheritance rule) {
    return switch (rule) {
      case AS_IS -> "as-is";
      case PROPORTIONAL -> "proportional";
      case RESET -> "reset";
    };
  }
}
