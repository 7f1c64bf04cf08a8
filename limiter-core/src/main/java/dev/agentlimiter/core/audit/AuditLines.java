package dev.agentlimiter.core.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.http.HttpResponses;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Renders the audit log's lines: one JSON object each, Elastic Common Schema field names as nested objects,
 * our own fields under {@code agentlimiter}. Every string value has passed {@link SafeText#clean}; the
 * generator escapes quotes, control characters and every non-ASCII character. <b>Not thread-safe</b>: one
 * instance per writer thread (it reuses its buffer).
 */
final class AuditLines {

  /** {@code event.action} of every decision line. */
  static final String DECISION = "agent-limiter-decision";

  /** {@code event.action} of the line that reports dropped events. */
  static final String DROPPED = "audit-events-dropped";

  /** The kind of the line of an applied configuration: INFO. */
  static final LineKind CONFIG_APPLIED =
      new LineKind("config-applied", false, "configuration", "success", null, false, null);

  /** The kind of the line of a refused configuration: WARN. */
  static final LineKind CONFIG_REFUSED =
      new LineKind("config-refused", true, "configuration", "failure", null, false, null);

  private static final JsonFactory JSON =
      new JsonFactoryBuilder()
          .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
          .characterEscapes(new PrintableAscii())
          .build();

  private final StringWriter out = new StringWriter(1024);

  // ------------------------------------------------------------------------------------------ kinds

  /** The kind of a decision line. */
  static LineKind kindOf(DecisionEvent e) {
    boolean enforced = e.refused() && !e.shadow();
    String scopeField = e.route().isPresent() ? "route" : e.decision().policy().isPresent() ? "policy" : null;
    boolean authentication =
        e.reason() == Reason.UNAUTHENTICATED
            || e.cause().filter(Decision.CAUSE_CREDENTIAL_FAILURES_EXHAUSTED::equals).isPresent();
    return new LineKind(
        DECISION,
        enforced,
        authentication ? "authentication" : "web",
        enforced ? "failure" : "success",
        e.reason().name(),
        e.shadow(),
        scopeField);
  }

  /** The scope of a decision line: its route's pattern, or else the policy that decided; cleaned. */
  static @Nullable String scopeOf(DecisionEvent e) {
    String scope = e.route().orElse(e.decision().policy().orElse(null));
    return scope == null ? null : SafeText.clean(scope);
  }

  /** The kind of a configuration event's line. */
  static LineKind kindOf(ConfigurationEvent e) {
    return e.applied() ? CONFIG_APPLIED : CONFIG_REFUSED;
  }

  /** The kind of a detector event's line. */
  static LineKind kindOf(LimiterEvent e) {
    if (e instanceof LimiterEvent.LoopDetected) {
      return detector("loop-detected", true, "policy");
    } else if (e instanceof LimiterEvent.BurstDetected) {
      return detector("burst-detected", true, "policy");
    } else if (e instanceof LimiterEvent.Quarantined) {
      return detector("quarantined", true, "lane");
    } else if (e instanceof LimiterEvent.QuarantineReleased) {
      return detector("quarantine-released", false, "lane");
    } else if (e instanceof LimiterEvent.ReputationChanged) {
      return detector("reputation-changed", false, "policy");
    } else if (e instanceof LimiterEvent.BudgetExhausted) {
      return detector("budget-exhausted", true, "budget");
    } else if (e instanceof LimiterEvent.PermitReclaimed) {
      return detector("permit-reclaimed", true, "policy");
    }
    // a detector event added later: written with its type's name, the agent and nothing else
    return detector(kebab(e.getClass().getSimpleName()), true, null);
  }

  /** The scope of a detector event's line: its policy, lane or budget; cleaned. */
  static @Nullable String scopeOf(LimiterEvent e) {
    String scope = null;
    if (e instanceof LimiterEvent.LoopDetected l) {
      scope = l.policy();
    } else if (e instanceof LimiterEvent.BurstDetected b) {
      scope = b.policy();
    } else if (e instanceof LimiterEvent.Quarantined q) {
      scope = q.lane();
    } else if (e instanceof LimiterEvent.QuarantineReleased r) {
      scope = r.lane();
    } else if (e instanceof LimiterEvent.ReputationChanged r) {
      scope = r.policy();
    } else if (e instanceof LimiterEvent.BudgetExhausted b) {
      scope = b.budget();
    } else if (e instanceof LimiterEvent.PermitReclaimed p) {
      scope = p.policy();
    }
    return scope == null ? null : SafeText.clean(scope);
  }

  private static LineKind detector(String action, boolean warn, @Nullable String scopeField) {
    return new LineKind(action, warn, "web", null, null, false, scopeField);
  }

  private static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  // ------------------------------------------------------------------------------------------ lines

  /** The line of a decision event. */
  String decision(DecisionEvent e, LineKind kind, String agent, @Nullable String scope) throws IOException {
    Decision d = e.decision();
    try (JsonGenerator g = start()) {
      g.writeStartObject();
      g.writeStringField("@timestamp", timestamp(e.time()));
      g.writeObjectFieldStart("event");
      head(g, kind);
      g.writeStringField("reason", SafeText.clean(d.detail().orElse(words(e.reason()))));
      g.writeEndObject();

      String method = e.method().map(SafeText::clean).orElse(null);
      String requestId = SafeText.requestId(e.requestId().orElse(null));
      if (method != null || requestId != null || e.status().isPresent()) {
        g.writeObjectFieldStart("http");
        if (method != null || requestId != null) {
          g.writeObjectFieldStart("request");
          optional(g, "method", method);
          optional(g, "id", requestId);
          g.writeEndObject();
        }
        if (e.status().isPresent()) {
          g.writeObjectFieldStart("response");
          g.writeNumberField("status_code", e.status().getAsInt());
          g.writeEndObject();
        }
        g.writeEndObject();
      }
      if (e.path().isPresent()) {
        g.writeObjectFieldStart("url");
        g.writeStringField("path", SafeText.clean(e.path().get()));
        g.writeEndObject();
      }
      if (e.clientAddress().isPresent()) {
        g.writeObjectFieldStart("client");
        g.writeStringField("address", SafeText.clean(e.clientAddress().get()));
        g.writeEndObject();
      }
      user(g, agent);

      g.writeObjectFieldStart("agentlimiter");
      g.writeStringField("reason", e.reason().name());
      optional(g, "cause", e.cause().map(SafeText::clean).orElse(null));
      optional(g, "policy", d.policy().map(SafeText::clean).orElse(null));
      names(g, "policies", e.policies());
      names(g, "lanes", e.lanes());
      optional(g, "tier", e.tier().map(SafeText::clean).orElse(null));
      optional(g, "identity_source", e.identitySource().map(Enum::name).orElse(null));
      optional(g, "route", e.route().isPresent() ? scope : null);
      if (e.refused() && e.reason().isRetryable()) {
        g.writeNumberField("retry_after_seconds", HttpResponses.retryAfterSeconds(d.retryAfter()));
      }
      if (!d.limits().isEmpty()) {
        g.writeArrayFieldStart("limits");
        for (RateLimitStatus s : d.limits()) {
          g.writeStartObject();
          g.writeStringField("policy", SafeText.clean(s.policy()));
          g.writeStringField("limit", SafeText.clean(s.limit()));
          g.writeNumberField("quota", s.quota());
          g.writeNumberField("window_seconds", s.windowSeconds());
          g.writeNumberField("remaining", s.remaining());
          g.writeNumberField("reset_seconds", s.resetSeconds());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeBooleanField("shadow", e.shadow());
      g.writeNumberField("limiter_time_ns", e.limiterTimeNanos());
      g.writeEndObject();
      g.writeEndObject();
    }
    return line();
  }

  /** The line of a detector event that happened at {@code time}. */
  String detector(Instant time, LimiterEvent e, LineKind kind, String agent, @Nullable String scope)
      throws IOException {
    try (JsonGenerator g = start()) {
      g.writeStartObject();
      g.writeStringField("@timestamp", timestamp(time));
      g.writeObjectFieldStart("event");
      head(g, kind);
      g.writeStringField("reason", SafeText.clean(sentence(e, scope)));
      g.writeEndObject();
      String requestId = SafeText.requestId(e.requestId().orElse(null));
      if (requestId != null) { // the field of the decision line of the request that caused it
        g.writeObjectFieldStart("http");
        g.writeObjectFieldStart("request");
        g.writeStringField("id", requestId);
        g.writeEndObject();
        g.writeEndObject();
      }
      user(g, agent);
      g.writeObjectFieldStart("agentlimiter");
      String scopeField = kind.scopeField();
      if (scopeField != null) {
        optional(g, scopeField, scope);
      }
      if (e instanceof LimiterEvent.LoopDetected l) {
        g.writeStringField("fingerprint", l.fingerprint().toString());
        g.writeBooleanField("error_loop", l.errorLoop());
        g.writeNumberField("retry_after_seconds", HttpResponses.retryAfterSeconds(l.retryAfter()));
      } else if (e instanceof LimiterEvent.BurstDetected b) {
        g.writeNumberField("requests_in_window", b.requestsInWindow());
        g.writeNumberField("threshold", b.threshold());
        g.writeBooleanField("throttled", b.throttled());
      } else if (e instanceof LimiterEvent.Quarantined q) {
        g.writeStringField("policy", SafeText.clean(q.policy()));
        g.writeNumberField("quarantine_seconds", ceilSeconds(q.duration()));
        g.writeNumberField("level", q.level());
        g.writeStringField("cause", code(q.cause()));
      } else if (e instanceof LimiterEvent.ReputationChanged r) {
        g.writeNumberField("reputation_from_percent", r.fromPercent());
        g.writeNumberField("reputation_to_percent", r.toPercent());
      } else if (e instanceof LimiterEvent.BudgetExhausted b) {
        g.writeNumberField("balance", b.balance());
        g.writeNumberField("reset_seconds", ceilSeconds(b.resetAfter()));
      } else if (e instanceof LimiterEvent.PermitReclaimed p) {
        g.writeNumberField("held_seconds", ceilSeconds(p.heldFor()));
      }
      g.writeEndObject();
      g.writeEndObject();
    }
    return line();
  }

  /**
   * The line of a configuration applied or refused: {@code event.reason} is the refusal's error (cut to
   * {@value SafeText#MAX_CHARS} characters like every value), {@code agentlimiter.generation} the generation
   * running after it, {@code agentlimiter.origin} where the configuration came from.
   */
  String configuration(ConfigurationEvent e, LineKind kind) throws IOException {
    try (JsonGenerator g = start()) {
      g.writeStartObject();
      g.writeStringField("@timestamp", timestamp(e.time()));
      g.writeObjectFieldStart("event");
      head(g, kind);
      optional(g, "reason", e.error().map(SafeText::clean).orElse(null));
      g.writeEndObject();
      g.writeObjectFieldStart("agentlimiter");
      g.writeNumberField("generation", e.generation());
      g.writeStringField("origin", SafeText.clean(e.origin()));
      g.writeEndObject();
      g.writeEndObject();
    }
    return line();
  }

  /** The fold line of a window that counted repeats. */
  String fold(FoldTable.Window w) throws IOException {
    FoldTable.Key key = w.key;
    LineKind kind = key.kind();
    Instant first = w.first != null ? w.first : w.closesAt;
    Instant last = w.last != null ? w.last : first;
    try (JsonGenerator g = start()) {
      g.writeStartObject();
      g.writeStringField("@timestamp", timestamp(last));
      g.writeObjectFieldStart("event");
      head(g, kind);
      g.writeStringField(
          "reason",
          w.suppressed + (w.suppressed == 1 ? " repeat" : " repeats")
              + " within the fold window, not written one by one");
      g.writeStringField("start", timestamp(first));
      g.writeStringField("end", timestamp(last));
      g.writeEndObject();
      String agent = key.agent();
      if (agent != null) {
        user(g, agent);
      }
      g.writeObjectFieldStart("agentlimiter");
      String reason = kind.reason();
      if (reason != null) {
        g.writeStringField("reason", reason);
      }
      String scopeField = kind.scopeField();
      if (scopeField != null) {
        optional(g, scopeField, key.scope());
      }
      if (kind.decision()) {
        g.writeBooleanField("shadow", kind.shadow());
      }
      g.writeNumberField("suppressed", w.suppressed);
      g.writeStringField("fold_scope", w.scope.label);
      g.writeEndObject();
      g.writeEndObject();
    }
    return line();
  }

  /** The line that reports {@code count} events dropped since the last such line. */
  String dropped(Instant now, long count) throws IOException {
    try (JsonGenerator g = start()) {
      g.writeStartObject();
      g.writeStringField("@timestamp", timestamp(now));
      g.writeObjectFieldStart("event");
      g.writeStringField("kind", "event");
      g.writeStringField("action", DROPPED);
      g.writeStringField(
          "reason",
          count + " audit " + (count == 1 ? "event was" : "events were")
              + " not written: the queue was full, the log closed, or the logger failed");
      g.writeEndObject();
      g.writeObjectFieldStart("agentlimiter");
      g.writeNumberField("dropped", count);
      g.writeEndObject();
      g.writeEndObject();
    }
    return line();
  }

  // ------------------------------------------------------------------------------------------ parts

  /** JSON's escapes, and DEL too (JSON leaves it raw): with non-ASCII escaped, a line is printable ASCII. */
  private static final class PrintableAscii extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii = standardAsciiEscapesForJSON();

    PrintableAscii() {
      ascii[0x7f] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public @Nullable SerializableString getEscapeSequence(int ch) {
      return null;
    }
  }

  private JsonGenerator start() throws IOException {
    out.getBuffer().setLength(0);
    return JSON.createGenerator(out);
  }

  private String line() {
    return out.toString();
  }

  private static void head(JsonGenerator g, LineKind kind) throws IOException {
    g.writeStringField("kind", "event");
    g.writeArrayFieldStart("category");
    g.writeString(kind.category());
    g.writeEndArray();
    g.writeStringField("action", kind.action());
    optional(g, "outcome", kind.outcome());
  }

  private static void user(JsonGenerator g, String agent) throws IOException {
    g.writeObjectFieldStart("user");
    g.writeStringField("id", agent);
    g.writeEndObject();
  }

  private static void optional(JsonGenerator g, String field, @Nullable String value) throws IOException {
    if (value != null) {
      g.writeStringField(field, value);
    }
  }

  private static void names(JsonGenerator g, String field, List<String> values) throws IOException {
    g.writeArrayFieldStart(field);
    for (String v : values) {
      g.writeString(SafeText.clean(v));
    }
    g.writeEndArray();
  }

  private static String sentence(LimiterEvent e, @Nullable String scope) {
    String s = scope == null ? "?" : scope;
    if (e instanceof LimiterEvent.LoopDetected l) {
      return "the agent repeated the same request past the " + (l.errorLoop() ? "error-loop" : "loop")
          + " threshold of policy '" + s + "'";
    } else if (e instanceof LimiterEvent.BurstDetected b) {
      return "the agent's short-window rate exceeded its baseline under policy '" + s + "': "
          + b.requestsInWindow() + " requests, threshold " + b.threshold();
    } else if (e instanceof LimiterEvent.Quarantined q) {
      return "the agent was quarantined in lane '" + s + "' for " + ceilSeconds(q.duration()) + " s after "
          + code(q.cause()) + " under policy '" + q.policy() + "' (level " + q.level() + ")";
    } else if (e instanceof LimiterEvent.QuarantineReleased) {
      return "the agent was released from the penalty box of lane '" + s + "'";
    } else if (e instanceof LimiterEvent.ReputationChanged r) {
      return "the agent's reputation under policy '" + s + "' went from " + r.fromPercent() + "% to "
          + r.toPercent() + "%";
    } else if (e instanceof LimiterEvent.BudgetExhausted b) {
      return "the agent exhausted budget '" + s + "' (balance " + b.balance() + ")";
    } else if (e instanceof LimiterEvent.PermitReclaimed p) {
      return "a concurrency permit of policy '" + s + "' was reclaimed after " + ceilSeconds(p.heldFor())
          + " s held";
    }
    return kebab(e.getClass().getSimpleName()).replace('-', ' ');
  }

  /** A reason as the causes write it: {@code loop-detected}. */
  private static String code(Reason reason) {
    return reason.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** A reason as words: {@code rate limited}. */
  private static String words(Reason reason) {
    return reason.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  private static String timestamp(Instant time) {
    return DateTimeFormatter.ISO_INSTANT.format(time);
  }

  /** Whole seconds, rounded up; saturated. */
  private static long ceilSeconds(Duration d) {
    long seconds = d.getSeconds();
    return d.getNano() == 0 || seconds == Long.MAX_VALUE ? seconds : seconds + 1;
  }

}
