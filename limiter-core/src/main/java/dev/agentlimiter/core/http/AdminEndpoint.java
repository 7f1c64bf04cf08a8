package dev.agentlimiter.core.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentState;
import dev.agentlimiter.api.Beta;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Grammar;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.Offender;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.QuarantineStatus;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.internal.engine.BoundPolicy;
import dev.agentlimiter.core.internal.engine.HttpGate;
import dev.agentlimiter.core.internal.engine.Limiter;
import dev.agentlimiter.core.internal.state.StateKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * An optional HTTP endpoint for operators over a limiter's {@linkplain LimiterAdmin admin view}: an agent's
 * state, the top offenders, the quarantined agents, and releasing or resetting an agent. <b>Off unless an
 * adapter is given one</b> ({@link AdapterOptions.Builder#adminEndpoint}); then every request whose path is under
 * {@linkplain #basePath() the base path} is answered here and never reaches the application. See {@code
 * docs/admin-endpoint.md}.
 *
 * <pre>{@code
 * GET  {base}/agents/{source}/{id}                 the agent's AgentState
 * GET  {base}/offenders?limit=N                    the top offenders (N from 1 to 1000, default 20)
 * GET  {base}/quarantined                          every quarantined agent
 * POST {base}/agents/{source}/{id}/release?lane=L  {"released": true|false}
 * POST {base}/agents/{source}/{id}/reset?policy=P  resets the agent's limits under a bound policy
 * }</pre>
 *
 * <p>{@code source} is an {@link IdentitySource} in lower case ({@code api_key}, {@code jwt}, {@code
 * principal}, {@code mtls}, {@code ip}) and {@code id} the agent's id, percent-encoded.
 *
 * <p><b>Every request is authenticated first, by the endpoint's own resolvers</b> (not the application's),
 * and must carry {@linkplain Builder#requiredScope the admin scope}: no credential or a failed one is 401
 * with {@code WWW-Authenticate}, a missing scope 403. When the limiter is one {@link AgentLimiters} built,
 * the check runs behind the limiter's own credential-failure guard: a rejected admin credential spends the
 * client address's allowance ({@value AgentLimiters#CREDENTIAL_FAILURES_POLICY}) as an application's does,
 * and an address with none left is refused (429) without its credential being checked. Authenticated admin
 * requests take nothing from any policy. Every answer is UTF-8 JSON, problems RFC 9457 {@code
 * application/problem+json} in the style of {@link HttpResponses}, each with {@code Cache-Control: no-store};
 * no answer echoes a credential, a header or a query value, and agent ids are escaped by the JSON writer
 * (every character outside ASCII as <code>&#92;uXXXX</code>, so an id cannot disguise itself in a terminal).
 * Nothing the request holds makes it throw or answer 500.
 *
 * <p>Admin requests are not decisions: no {@link dev.agentlimiter.api.DecisionEvent} is told of them;
 * releases and resets are logged at {@code INFO} ({@code System.Logger} {@code dev.agentlimiter.core.http.AdminEndpoint})
 * with the admin's and the agent's ids. Immutable and thread-safe.
 */
@Beta
public final class AdminEndpoint {

  /** The default base path. */
  public static final String DEFAULT_BASE_PATH = "/_agentlimiter";

  /** The default scope an admin identity must carry. */
  public static final String DEFAULT_SCOPE = "agentlimiter:admin";

  /** Offenders listed when the request names no {@code limit}. */
  public static final int DEFAULT_OFFENDERS = 20;

  /** The most offenders one request may list. */
  public static final int MAX_OFFENDERS = 1000;

  /** The realm of the endpoint's {@code WWW-Authenticate} challenge. */
  public static final String REALM = "agentlimiter-admin";

  /** The longest raw path (within the application) the endpoint parses; a longer one is 400. */
  static final int MAX_PATH_LENGTH = 4096;

  /** The longest raw query the endpoint parses; a longer one is 400. */
  static final int MAX_QUERY_LENGTH = 1024;

  static final String NOT_FOUND = HttpResponses.TYPE_BASE + "not-found";
  static final String METHOD_NOT_ALLOWED = HttpResponses.TYPE_BASE + "method-not-allowed";
  static final String BAD_REQUEST = HttpResponses.TYPE_BASE + "invalid-request";
  static final String NOT_IMPLEMENTED = HttpResponses.TYPE_BASE + "not-implemented";
  static final String FAILED = HttpResponses.TYPE_BASE + "admin-failed";

  private static final String JSON_TYPE = "application/json";
  /**
   * Writes every character outside ASCII as an escape: an agent id with a bidirectional override cannot
   * disguise itself in an operator's terminal.
   */
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
  private static final System.Logger LOG = System.getLogger(AdminEndpoint.class.getName());

  private final AgentLimiter limiter;
  private final @Nullable Limiter ours;
  private final String basePath;
  private final List<String> baseSegments;
  private final IdentityResolver[] resolvers;
  private final String requiredScope;

  private AdminEndpoint(
      AgentLimiter limiter, String basePath, List<IdentityResolver> resolvers, String requiredScope) {
    this.limiter = limiter;
    this.ours = limiter instanceof Limiter l ? l : null;
    this.basePath = basePath;
    this.baseSegments = List.of(basePath.substring(1).split("/", -1));
    this.resolvers = resolvers.toArray(new IdentityResolver[0]);
    this.requiredScope = requiredScope;
  }

  /**
   * A builder of an endpoint over {@code limiter}'s admin view; {@link Builder#identity} must be set.
   *
   * @throws NullPointerException if {@code limiter} is null
   */
  public static Builder builder(AgentLimiter limiter) {
    return new Builder(Objects.requireNonNull(limiter, "limiter"));
  }

  /** The limiter whose admin view this endpoint serves. */
  public AgentLimiter limiter() {
    return limiter;
  }

  /** The base path, such as {@value #DEFAULT_BASE_PATH}: starts with {@code /}, never ends with one. */
  public String basePath() {
    return basePath;
  }

  /** The scope an admin identity must carry. */
  public String requiredScope() {
    return requiredScope;
  }

  /**
   * Whether a request of {@code path} is this endpoint's to answer: the path is the base path or below it
   * (case-sensitive, segment by segment: {@code /_agentlimiterX} is not below {@code /_agentlimiter}). The
   * adapters pass the path they match routes with: within the application, percent-decoded, canonical
   * ({@link RouteTable#canonical}).
   */
  public boolean handles(String path) {
    return path.startsWith(basePath)
        && (path.length() == basePath.length() || path.charAt(basePath.length()) == '/');
  }

  /**
   * Answers one request that {@link #handles} claimed. {@code request.path()} must be the path within the
   * application <b>as sent, still percent-encoded</b> (the adapters pass the servlet request URI without
   * its context path, or Jakarta REST's {@code UriInfo.getPath(false)}): the path is split into segments
   * first and each segment decoded after, so an encoded slash ({@code %2F}) stays inside its segment, part
   * of an id, and never selects another endpoint. Dot segments, malformed escapes, control characters,
   * ids no {@link AgentIdentity} can hold and over-long paths or queries are 400; unknown paths 404; a
   * known path with another method 405 with {@code Allow}. Never throws.
   */
  public Response handle(RequestView request) {
    try {
      return answer(request);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "agent limiter admin endpoint failed", e);
      return problem(500, FAILED, "Internal Server Error", "the admin endpoint failed; see the server's log");
    }
  }

  private Response answer(RequestView request) {
    HttpGate.Credential credential = identify(request);
    Decision refusal = credential.refusal();
    AgentIdentity admin = credential.agent();
    if (refusal == null && admin != null && !admin.scopes().contains(requiredScope)) {
      refusal =
          Decision.refused(Reason.FORBIDDEN, Decision.CAUSE_MISSING_SCOPE, "missing scope '" + requiredScope + "'");
    }
    if (refusal != null || admin == null) {
      Decision d =
          refusal != null
              ? refusal
              : Decision.refused(
                  Reason.UNAUTHENTICATED, Decision.CAUSE_MISSING_CREDENTIAL, HttpGate.UNAUTHENTICATED_DETAIL);
      return new Response(
          HttpResponses.status(d), common(HttpResponses.PROBLEM_JSON, HttpResponses.refusalHeaders(d, REALM)),
          HttpResponses.problemBody(d));
    }
    Target target = Target.parse(request.path(), baseSegments);
    Response refused = target.refusal;
    if (refused != null) {
      return refused;
    }
    if (!target.method.equals(request.method())) {
      return new Response(
          405,
          common(HttpResponses.PROBLEM_JSON, List.of(Map.entry("Allow", target.method))),
          HttpResponses.problemBody(
              METHOD_NOT_ALLOWED, "Method Not Allowed", 405, "this resource answers " + target.method + " only"));
    }
    Query query = Query.parse(request.query(), target.parameters);
    Response invalid = query.refusal;
    if (invalid != null) {
      return invalid;
    }
    LimiterAdmin view = limiter.admin();
    return switch (target.kind) {
      case STATE -> json(out -> writeState(out, view.state(target.agent()), target.agent().source()));
      case QUARANTINED -> json(out -> writeQuarantined(out, view));
      case OFFENDERS -> offenders(view, query.values.get("limit"));
      case RELEASE -> release(view, admin, target.agent(), query.values.get("lane"));
      case RESET -> reset(view, admin, target.agent(), query.values.get("policy"));
    };
  }

  /** The endpoint's own resolvers, behind the limiter's credential guard when the limiter is ours. */
  private HttpGate.Credential identify(RequestView request) {
    Limiter l = ours;
    if (l != null) {
      return l.gate.identify(request, resolvers);
    }
    for (IdentityResolver resolver : resolvers) {
      IdentityResult result;
      try {
        result = resolver.resolve(request);
      } catch (RuntimeException e) {
        result = new IdentityResult.Rejected(IdentityResult.Rejected.RESOLVER_ERROR);
      }
      if (result instanceof IdentityResult.Identified identified) {
        return new HttpGate.Credential(identified.identity(), null, null, false);
      }
      if (result instanceof IdentityResult.Rejected r) {
        Decision d = Decision.refused(Reason.UNAUTHENTICATED, r.cause(), HttpGate.UNAUTHENTICATED_DETAIL);
        return new HttpGate.Credential(null, null, d, false);
      }
    }
    return new HttpGate.Credential(null, null, null, false);
  }

  private Response offenders(LimiterAdmin view, @Nullable String limit) {
    int n = DEFAULT_OFFENDERS;
    if (limit != null) {
      n = -1;
      if (!limit.isEmpty() && limit.length() <= 4 && limit.chars().allMatch(c -> c >= '0' && c <= '9')) {
        n = Integer.parseInt(limit);
      }
      if (n < 1 || n > MAX_OFFENDERS) {
        return badRequest("limit must be a whole number from 1 to " + MAX_OFFENDERS);
      }
    }
    List<Offender> offenders = view.topOffenders(n);
    return json(out -> {
      out.writeArrayFieldStart("offenders");
      for (Offender o : offenders) {
        out.writeStartObject();
        out.writeStringField("id", o.agentId());
        out.writeStringField("source", sourceName(o.source()));
        out.writeNumberField("refusals", o.refusals());
        out.writeNumberField("requests", o.requests());
        out.writeNumberField("overestimate", o.overestimate());
        out.writeStringField("lastReason", o.lastReason().name());
        out.writeStringField("lastSeen", o.lastSeen().toString());
        AgentState state = o.state();
        if (state == null) {
          out.writeNullField("state");
        } else {
          out.writeFieldName("state");
          out.writeStartObject();
          writeState(out, state, o.source());
          out.writeEndObject();
        }
        out.writeEndObject();
      }
      out.writeEndArray();
    });
  }

  private Response release(LimiterAdmin view, AgentIdentity admin, AgentIdentity agent, @Nullable String lane) {
    if (lane == null || !Grammar.isName(lane)) {
      return badRequest("lane is required: 1 to 64 letters, digits, '.', '_' or '-'");
    }
    boolean released = view.release(agent, lane);
    LOG.log(
        System.Logger.Level.INFO,
        "agent limiter admin '" + printable(admin.id()) + "' released " + sourceName(agent.source())
            + " agent '" + printable(agent.id()) + "' from lane '" + lane + "': " + released);
    return json(out -> out.writeBooleanField("released", released));
  }

  private Response reset(LimiterAdmin view, AgentIdentity admin, AgentIdentity agent, @Nullable String name) {
    if (name == null || !Grammar.isName(name)) {
      return badRequest("policy is required: 1 to 64 letters, digits, '.', '_' or '-'");
    }
    Limiter l = ours;
    if (l == null) {
      return problem(
          501, NOT_IMPLEMENTED, "Not Implemented",
          "reset needs the limiter's bound policies, which only a limiter AgentLimiters built has");
    }
    Policy policy = null;
    for (BoundPolicy b : l.engine.bound()) {
      if (b.policy.name().equals(name) && !name.equals(AgentLimiters.CREDENTIAL_FAILURES_POLICY)) {
        policy = b.policy;
        break;
      }
    }
    if (policy == null) {
      return problem(404, NOT_FOUND, "Not Found", "no policy of that name is bound to this limiter");
    }
    view.reset(agent, policy);
    LOG.log(
        System.Logger.Level.INFO,
        "agent limiter admin '" + printable(admin.id()) + "' reset " + sourceName(agent.source()) + " agent '"
            + printable(agent.id()) + "' under policy '" + name + "'");
    List<RateLimitStatus> limits = view.inspect(agent, policy);
    return json(out -> {
      out.writeBooleanField("reset", true);
      out.writeStringField("policy", name);
      writeLimits(out, limits);
    });
  }

  private void writeQuarantined(JsonGenerator out, LimiterAdmin view) throws IOException {
    List<Boxed> all = new ArrayList<>();
    Limiter l = ours;
    if (l != null) {
      l.engine.box.forEachQuarantined((key, status) -> all.add(new Boxed(status, sourceName(StateKeys.source(key)))));
    } else {
      for (QuarantineStatus q : view.quarantined()) {
        all.add(new Boxed(q, "")); // another implementation's statuses: the source is not known
      }
    }
    all.sort(
        Comparator.comparing((Boxed b) -> b.status().lane())
            .thenComparing(b -> b.status().agentId())
            .thenComparing(Boxed::source));
    out.writeArrayFieldStart("quarantined");
    for (Boxed b : all) {
      out.writeStartObject();
      out.writeStringField("id", b.status().agentId());
      if (!b.source().isEmpty()) {
        out.writeStringField("source", b.source());
      }
      writeQuarantineFields(out, b.status());
      out.writeEndObject();
    }
    out.writeEndArray();
  }

  /** A quarantined agent and its source's name, empty if unknown. */
  private record Boxed(QuarantineStatus status, String source) {}

  /** The members of one agent's state, inside an object the caller opened. */
  private static void writeState(JsonGenerator out, AgentState state, IdentitySource source) throws IOException {
    out.writeStringField("id", state.agentId());
    out.writeStringField("source", sourceName(source));
    out.writeBooleanField("quarantined", state.isQuarantined());
    writeLimits(out, state.limits());
    writeCounts(out, "inFlight", new TreeMap<>(state.inFlight()));
    out.writeArrayFieldStart("quarantines");
    for (QuarantineStatus q : state.quarantines()) {
      out.writeStartObject();
      writeQuarantineFields(out, q);
      out.writeEndObject();
    }
    out.writeEndArray();
    writeCounts(out, "reputation", new TreeMap<>(state.reputationPercent()));
    writeCounts(out, "budgets", new TreeMap<>(state.budgetBalances()));
  }

  private static void writeLimits(JsonGenerator out, List<RateLimitStatus> limits) throws IOException {
    out.writeArrayFieldStart("limits");
    for (RateLimitStatus s : limits) {
      out.writeStartObject();
      out.writeStringField("policy", s.policy());
      out.writeStringField("limit", s.limit());
      out.writeNumberField("capacity", s.quota());
      out.writeNumberField("remaining", s.remaining());
      out.writeNumberField("windowSeconds", s.windowSeconds());
      out.writeNumberField("resetSeconds", s.resetSeconds());
      out.writeEndObject();
    }
    out.writeEndArray();
  }

  private static void writeQuarantineFields(JsonGenerator out, QuarantineStatus q) throws IOException {
    out.writeStringField("lane", q.lane());
    out.writeStringField("policy", q.policy());
    out.writeNumberField("remainingSeconds", HttpResponses.retryAfterSeconds(q.remaining()));
    out.writeNumberField("level", q.level());
    out.writeStringField("cause", q.cause().name());
  }

  private static void writeCounts(JsonGenerator out, String field, Map<String, ? extends Number> counts)
      throws IOException {
    out.writeObjectFieldStart(field);
    for (Map.Entry<String, ? extends Number> e : counts.entrySet()) {
      out.writeNumberField(e.getKey(), e.getValue().longValue());
    }
    out.writeEndObject();
  }

  static String sourceName(IdentitySource source) {
    return source.name().toLowerCase(Locale.ROOT);
  }

  /** Writes the members of one JSON object. */
  @FunctionalInterface
  private interface Members {
    void write(JsonGenerator out) throws IOException;
  }

  private static Response json(Members members) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
    try (JsonGenerator out = JSON.createGenerator(bytes)) {
      out.writeStartObject();
      members.write(out);
      out.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return new Response(200, common(JSON_TYPE, new ArrayList<>(2)), bytes.toByteArray());
  }

  static Response problem(int status, String type, String title, String detail) {
    return new Response(
        status, common(HttpResponses.PROBLEM_JSON, new ArrayList<>(2)),
        HttpResponses.problemBody(type, title, status, detail));
  }

  static Response badRequest(String detail) {
    return problem(400, BAD_REQUEST, "Bad Request", detail);
  }

  /** {@code Content-Type} first, then {@code headers}, then what every answer carries. */
  private static List<Map.Entry<String, String>> common(String contentType, List<Map.Entry<String, String>> headers) {
    List<Map.Entry<String, String>> all = new ArrayList<>(headers.size() + 3);
    all.add(Map.entry("Content-Type", contentType));
    all.addAll(headers);
    all.add(Map.entry("Cache-Control", "no-store"));
    all.add(Map.entry("X-Content-Type-Options", "nosniff"));
    return List.copyOf(all);
  }

  /** An id for a log line: characters that are not printable ASCII written as <code>&#92;uXXXX</code>. */
  private static String printable(String id) {
    StringBuilder out = new StringBuilder(id.length());
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        out.append(c);
      } else {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      }
    }
    return out.toString();
  }

  /** The query parameters of a request, or its 400. */
  static final class Query {
    final Map<String, String> values;
    final @Nullable Response refusal;

    private Query(Map<String, String> values, @Nullable Response refusal) {
      this.values = values;
      this.refusal = refusal;
    }

    private static Query refused(String detail) {
      return new Query(Map.of(), badRequest(detail));
    }

    /** The parameters of a raw query, each of {@code allowed} at most once; anything else is 400. */
    static Query parse(@Nullable String raw, Set<String> allowed) {
      if (raw == null || raw.isEmpty()) {
        return new Query(Map.of(), null);
      }
      if (raw.length() > MAX_QUERY_LENGTH) {
        return refused("the query is longer than " + MAX_QUERY_LENGTH + " characters");
      }
      Map<String, String> out = new HashMap<>();
      for (String pair : raw.split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (name == null || value == null) {
          return refused(MALFORMED);
        }
        if (!allowed.contains(name)) {
          return refused(
              allowed.isEmpty()
                  ? "this resource takes no query parameter"
                  : "unknown query parameter; this resource takes " + String.join(", ", new TreeSet<>(allowed)));
        }
        if (out.put(name, value) != null) {
          return refused("a query parameter is repeated");
        }
      }
      return new Query(Map.copyOf(out), null);
    }
  }

  /** Why a path or query was not decoded. */
  static final String MALFORMED =
      "the path or query is not percent-encoded UTF-8 without control characters";

  /**
   * Strict percent-decoding to UTF-8 ({@code +} is a plus), or {@code null} for a malformed escape,
   * malformed UTF-8 or a control character.
   */
  static @Nullable String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return hasControl(raw) ? null : raw;
    }
    ByteBuffer bytes = ByteBuffer.allocate(raw.length() * 3);
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? hex(raw.charAt(i + 1)) : -1;
        int lo = hi < 0 ? -1 : hex(raw.charAt(i + 2));
        if (lo < 0) {
          return null;
        }
        bytes.put((byte) ((hi << 4) | lo));
        i += 2;
      } else if (c < 0x80) {
        bytes.put((byte) c);
      } else {
        bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8)); // a lone surrogate becomes '?'
      }
    }
    bytes.flip();
    String decoded;
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(bytes);
      decoded = chars.toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    return hasControl(decoded) ? null : decoded;
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /** What a request asks for. */
  enum Kind {
    STATE, QUARANTINED, OFFENDERS, RELEASE, RESET
  }

  /**
   * A parsed path: what it asks for, its method, its query parameters and the agent it names; or, when the
   * path is malformed or unknown, the 400 or 404 to answer ({@link #refusal}).
   */
  static final class Target {
    final Kind kind;
    final String method;
    final Set<String> parameters;
    private final @Nullable AgentIdentity agent;
    final @Nullable Response refusal;

    private Target(
        Kind kind, String method, Set<String> parameters, @Nullable AgentIdentity agent,
        @Nullable Response refusal) {
      this.kind = kind;
      this.method = method;
      this.parameters = parameters;
      this.agent = agent;
      this.refusal = refusal;
    }

    private static Target of(Kind kind, String method, Set<String> parameters, @Nullable AgentIdentity agent) {
      return new Target(kind, method, parameters, agent, null);
    }

    private static Target refused(Response answer) {
      return new Target(Kind.STATE, "", Set.of(), null, answer);
    }

    private static Target notFound() {
      return refused(problem(404, NOT_FOUND, "Not Found", "no such admin resource"));
    }

    AgentIdentity agent() {
      return Objects.requireNonNull(agent, "this target names no agent");
    }

    /**
     * Parses a raw path (within the application, still percent-encoded): split on {@code /} (empty segments,
     * from doubled or trailing slashes, are skipped), path parameters ({@code ;…}) stripped as servlet
     * containers do, then each segment decoded.
     */
    static Target parse(String raw, List<String> base) {
      if (raw.length() > MAX_PATH_LENGTH) {
        return refused(badRequest("the path is longer than " + MAX_PATH_LENGTH + " characters"));
      }
      List<String> segments = new ArrayList<>();
      for (String s : raw.split("/", -1)) {
        int semicolon = s.indexOf(';');
        String segment = decode(semicolon < 0 ? s : s.substring(0, semicolon));
        if (segment == null) {
          return refused(badRequest(MALFORMED));
        }
        if (segment.equals(".") || segment.equals("..")) {
          return refused(badRequest("the path holds a dot segment"));
        }
        if (!segment.isEmpty()) {
          segments.add(segment);
        }
      }
      if (segments.size() < base.size() || !segments.subList(0, base.size()).equals(base)) {
        return notFound();
      }
      List<String> rest = segments.subList(base.size(), segments.size());
      int n = rest.size();
      if (n == 1 && rest.get(0).equals("quarantined")) {
        return of(Kind.QUARANTINED, "GET", Set.of(), null);
      }
      if (n == 1 && rest.get(0).equals("offenders")) {
        return of(Kind.OFFENDERS, "GET", Set.of("limit"), null);
      }
      if ((n != 3 && n != 4) || !rest.get(0).equals("agents")) {
        return notFound();
      }
      Kind kind = Kind.STATE;
      if (n == 4) {
        switch (rest.get(3)) {
          case "release" -> kind = Kind.RELEASE;
          case "reset" -> kind = Kind.RESET;
          default -> {
            return notFound();
          }
        }
      }
      IdentitySource source = null;
      for (IdentitySource s : IdentitySource.values()) {
        if (sourceName(s).equals(rest.get(1))) {
          source = s;
        }
      }
      if (source == null) {
        return refused(
            problem(404, NOT_FOUND, "Not Found", "unknown identity source; one of api_key, jwt, principal, mtls, ip"));
      }
      AgentIdentity agent;
      try {
        agent = AgentIdentity.of(rest.get(2), source);
      } catch (IllegalArgumentException e) {
        return refused(
            badRequest("an agent id has 1 to " + AgentIdentity.MAX_ID_LENGTH + " characters, no control character"));
      }
      return switch (kind) {
        case RELEASE -> of(kind, "POST", Set.of("lane"), agent);
        case RESET -> of(kind, "POST", Set.of("policy"), agent);
        default -> of(kind, "GET", Set.of(), agent);
      };
    }
  }

  /**
   * A whole answer: status, headers ({@code Content-Type} first; {@code Cache-Control: no-store} always)
   * and body, for the adapter to copy as it is. Immutable.
   */
  @Beta
  public static final class Response {
    private final int status;
    private final List<Map.Entry<String, String>> headers;
    private final byte[] body;

    Response(int status, List<Map.Entry<String, String>> headers, byte[] body) {
      this.status = status;
      this.headers = List.copyOf(headers);
      this.body = body;
    }

    /** The HTTP status. */
    public int status() {
      return status;
    }

    /** Every header to set, in order, immutable; {@code Content-Type} first. */
    public List<Map.Entry<String, String>> headers() {
      return headers;
    }

    /** The first value of a header (names compared ignoring case), or {@code null}. */
    public @Nullable String header(String name) {
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue();
        }
      }
      return null;
    }

    /** The body, UTF-8 JSON: a copy, so the answer stays as it was. */
    public byte[] body() {
      return body.clone();
    }

    /** The body's length in bytes. */
    public int bodyLength() {
      return body.length;
    }

    @Override
    public String toString() {
      return "AdminEndpoint.Response[" + status + ", " + body.length + " bytes]";
    }
  }

  /**
   * Configures an {@link AdminEndpoint}. Not thread-safe; each option may be set once and is checked when it
   * is set, naming the value.
   */
  @Beta
  public static final class Builder {
    private final AgentLimiter limiter;
    private @Nullable String basePath;
    private @Nullable List<IdentityResolver> identity;
    private @Nullable String requiredScope;

    private Builder(AgentLimiter limiter) {
      this.limiter = limiter;
    }

    /**
     * Sets the base path within the application (default {@value AdminEndpoint#DEFAULT_BASE_PATH}): it
     * starts with {@code /}, does not end with one, and its segments are letters, digits, {@code - . _ ~}
     * (no {@code *}, no empty or dot segments), so it reads the same encoded and decoded.
     *
     * @throws IllegalArgumentException naming the path if it is malformed
     * @throws IllegalStateException if already set
     */
    public Builder basePath(String path) {
      if (basePath != null) {
        throw new IllegalStateException("adminEndpoint: basePath was already set to '" + basePath + "'");
      }
      basePath = checkBasePath(path);
      return this;
    }

    /**
     * Sets the endpoint's own identity resolvers, strongest first, such as {@code
     * IdentityResolvers.apiKeys(adminKeys)} over a key store of its own. Required. The first that does not
     * abstain decides; a failed credential stops the chain. Resolvers that read what the application's
     * filters establish (a principal) see only what exists before the adapter runs.
     *
     * @throws IllegalArgumentException if empty
     * @throws IllegalStateException if already set
     */
    public Builder identity(IdentityResolver... resolvers) {
      if (identity != null) {
        throw new IllegalStateException("adminEndpoint: identity was already set");
      }
      if (resolvers.length == 0) {
        throw new IllegalArgumentException("adminEndpoint: identity needs at least one resolver");
      }
      identity = List.of(resolvers); // refuses null elements
      return this;
    }

    /**
     * Sets the scope an admin identity must carry (default {@value AdminEndpoint#DEFAULT_SCOPE}): 1 to 128
     * printable ASCII characters without space, {@code "} or {@code \\} (an OAuth scope token).
     *
     * @throws IllegalArgumentException naming the scope if it is malformed
     * @throws IllegalStateException if already set
     */
    public Builder requiredScope(String scope) {
      if (requiredScope != null) {
        throw new IllegalStateException("adminEndpoint: requiredScope was already set to '" + requiredScope + "'");
      }
      if (!Grammar.isScope(scope)) {
        throw new IllegalArgumentException(
            "adminEndpoint: requiredScope must be 1 to 128 printable ASCII characters without space, '\"' or"
                + " '\\' but was '" + printable(scope) + "'");
      }
      requiredScope = scope;
      return this;
    }

    /**
     * The endpoint.
     *
     * @throws IllegalStateException if no {@link #identity} was set: the endpoint never answers unauthenticated
     */
    public AdminEndpoint build() {
      List<IdentityResolver> chain = identity;
      if (chain == null) {
        throw new IllegalStateException(
            "adminEndpoint: identity(...) is required, e.g. IdentityResolvers.apiKeys(adminKeys)");
      }
      return new AdminEndpoint(
          limiter,
          basePath != null ? basePath : DEFAULT_BASE_PATH,
          chain,
          requiredScope != null ? requiredScope : DEFAULT_SCOPE);
    }

    static String checkBasePath(String path) {
      String problem = null;
      if (!path.startsWith("/") || path.length() < 2) {
        problem = "must start with '/' and name at least one segment";
      } else if (path.endsWith("/")) {
        problem = "must not end with '/'";
      } else if (path.indexOf('*') >= 0) {
        problem = "must not contain '*'";
      } else if (path.length() > 256) {
        problem = "must have at most 256 characters";
      } else {
        for (String segment : path.substring(1).split("/", -1)) {
          if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
            problem = "must not contain empty or dot segments";
            break;
          }
          for (int i = 0; i < segment.length() && problem == null; i++) {
            char c = segment.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0)) {
              problem = "segments may contain only letters, digits, '-', '.', '_' and '~'";
            }
          }
        }
      }
      if (problem != null) {
        throw new IllegalArgumentException("adminEndpoint: basePath " + problem + " but was '" + printable(path) + "'");
      }
      return path;
    }
  }
}
