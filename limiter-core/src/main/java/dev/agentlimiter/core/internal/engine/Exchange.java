package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.HttpResponses;
import dev.agentlimiter.core.internal.validation.RequestCheck;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request as the limiter sees it, from {@link HttpGate#admit} to its end: the engine's admission
 * plus what the HTTP steps learned (the agent, the client, the policies after tier overrides, the body to
 * replay) and, when a listener is installed, what its one {@link DecisionEvent} needs. The first {@link
 * #complete} or {@link #close} ends it: the engine's admission ends, the request leaves the in-flight count,
 * and the listener is told the event, once.
 */
public final class Exchange implements Admission, RequestIdSource {

  private static final AtomicIntegerFieldUpdater<Exchange> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "ended");
  private static final AtomicReferenceFieldUpdater<Exchange, String> REQUEST_ID =
      AtomicReferenceFieldUpdater.newUpdater(Exchange.class, String.class, "requestId");

  private final HttpGate gate;
  /** The configuration the request is decided under, read once when it arrived. */
  final Snapshot snapshot;
  final Route route;
  /** The request, read for its id when first needed. */
  private final RequestView request;
  /** The request's id once computed, by its first detector event or its decision event. */
  private volatile @Nullable String requestId;
  /** The agent, once the identity step identified it (or keyed an anonymous caller on its address). */
  @Nullable AgentIdentity agent;
  private @Nullable AgentIdentity client;
  /** Whether the credential guard took a token of the client address's failure bucket, and when. */
  boolean reserved;
  long reservedAt;
  /** The policies after the agent's tier overrides, once the body step chose them. */
  @Nullable List<Policy> policies;
  /** The same, bound to their state under {@link #snapshot}. */
  BoundPolicy @Nullable [] bounds;
  RequestCheck.@Nullable BodyRead body;
  @Nullable RequestFingerprint fingerprint;
  /** The event's cause where the decision has none (the credential guard's). */
  @Nullable String cause;
  /** The engine's admission of the policy steps, or the refusal of an HTTP step. */
  private Admission inner = PENDING;

  /** What the event needs, read while the request is current; only when a listener is installed. */
  private @Nullable Observation observation;
  /** The HTTP status the client was answered, set by the adapter flow before it ends the exchange. */
  private volatile int status;

  /** The event's fields read at admission: kept apart, so that no listener means no extra bytes. */
  private static final class Observation {
    final String method;
    final String path;
    final @Nullable String pattern;
    final String requestId;
    final boolean shadow;
    final long decidedAt;
    final long spentNanos;

    Observation(
        String method, String path, @Nullable String pattern, String requestId, boolean shadow, long decidedAt,
        long spentNanos) {
      this.method = method;
      this.path = path;
      this.pattern = pattern;
      this.requestId = requestId;
      this.shadow = shadow;
      this.decidedAt = decidedAt;
      this.spentNanos = spentNanos;
    }
  }

  @SuppressWarnings("UnusedVariable") // written through ENDED
  private volatile int ended;

  /** Before the steps decided: never seen outside {@link HttpGate}. */
  private static final Admission PENDING = new EngineAdmission.Ended(Decision.allowed());

  Exchange(HttpGate gate, Snapshot snapshot, Route route, RequestView request) {
    this.gate = gate;
    this.snapshot = snapshot;
    this.route = route;
    this.request = request;
  }

  /**
   * The request's id, computed at most once, when first asked (its decision event, or a detector event it
   * causes), so that both carry the same id and a request nobody listens to computes none. Read from the
   * request's headers: asked, at the latest, while the exchange ends.
   */
  @Override
  public String requestId() {
    String id = requestId;
    if (id == null) {
      String made = gate.requestIds.of(request);
      id = REQUEST_ID.compareAndSet(this, null, made) ? made : Objects.requireNonNull(requestId);
    }
    return id;
  }

  /** Ends the steps with an HTTP step's refusal. */
  Exchange refused(Decision refusal) {
    inner = new EngineAdmission.Ended(refusal);
    return this;
  }

  /** Ends the HTTP steps with the engine's admission of the policy steps. */
  Exchange admitted(Admission admission) {
    inner = admission;
    return this;
  }

  /** The request the policy steps decide: the agent, its policies, the fingerprint if a policy needs it. */
  AgentRequest agentRequest() {
    AgentRequest r = AgentRequest.of(Objects.requireNonNull(agent), Objects.requireNonNull(policies));
    RequestFingerprint fp = fingerprint;
    return fp == null ? r : r.withFingerprint(fp);
  }

  /** Records what the event will carry; called once, on the request's thread, when a listener is installed. */
  void observed(
      RequestView request, @Nullable String routePattern, boolean inShadow, String id, long startedNanos) {
    client(request);
    this.observation =
        new Observation(
            request.method(), request.path(), routePattern, id, inShadow, gate.engine.clock.now(),
            System.nanoTime() - startedNanos);
  }

  /** The client's identity by address if a step resolved it, else {@code null}. */
  @Nullable AgentIdentity knownClient() {
    return client;
  }

  /** The client's identity by address, resolved now if no step needed it yet. */
  AgentIdentity client(RequestView request) {
    AgentIdentity c = client;
    if (c == null) {
      c = gate.clientOf(request);
      client = c;
    }
    return c;
  }

  /** Ends the exchange with the HTTP status the client was answered (0 if unknown) and its outcome. */
  public void end(int httpStatus, Outcome outcome) {
    status = httpStatus;
    complete(outcome);
  }

  @Override
  public Decision decision() {
    return inner.decision();
  }

  @Override
  public void complete(Outcome outcome) {
    inner.complete(outcome);
    if (!ENDED.compareAndSet(this, 0, 1)) {
      return;
    }
    Engine engine = gate.engine;
    Decision decision = inner.decision();
    if (decision.isAllowed()) {
      engine.openRequests.decrement();
    }
    if (engine.listening && observation != null) {
      AgentIdentity who = agent != null ? agent : client;
      engine.tell(event(engine, decision), who != null ? who.key() : "unknown");
    }
  }

  private DecisionEvent event(Engine engine, Decision decision) {
    Observation o = Objects.requireNonNull(observation, "observed");
    int answered = status;
    if (answered == 0 && !decision.isAllowed() && !o.shadow) {
      answered = HttpResponses.status(decision);
    }
    DecisionEvent.Builder e =
        DecisionEvent.builder()
            .time(engine.wallTime(o.decidedAt))
            .method(o.method)
            .route(o.pattern)
            .path(o.path)
            .decision(decision)
            .cause(cause)
            .status(answered >= 100 && answered <= 999 ? answered : 0)
            .shadow(o.shadow)
            .requestId(o.requestId)
            .limiterTimeNanos(Math.max(0, o.spentNanos));
    AgentIdentity c = client;
    if (c != null) {
      e.clientAddress(c.id().startsWith("ip:") ? c.id().substring(3) : c.id());
    }
    if (agent != null) {
      e.agent(agent);
    } else {
      e.agentId(c != null ? c.id() : "unknown");
    }
    List<Policy> evaluated = policies;
    if (evaluated != null && !evaluated.isEmpty()) {
      e.policies(Engine.names(evaluated)).lanes(Engine.lanes(evaluated));
    }
    return e.build();
  }

  @Override
  public void close() {
    complete(Outcome.unknown());
  }

  @Override
  public Optional<AgentIdentity> agent() {
    return Optional.ofNullable(agent);
  }

  @Override
  public Optional<InputStream> replayBody() {
    return body == null || !body.opened() ? Optional.empty() : Optional.of(body.replay());
  }

  @Override
  public boolean bodyReadToEnd() {
    return body != null && body.toEnd();
  }

  @Override
  public String toString() {
    return "Exchange[" + inner.decision() + (agent == null ? "" : ", " + agent.id()) + "]";
  }
}
