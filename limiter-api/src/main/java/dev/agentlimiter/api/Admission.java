package dev.agentlimiter.api;

import java.io.InputStream;
import java.util.Optional;

/**
 * One request's passage through {@link AgentLimiter#enter}: the decision, and for an admitted request the
 * resources it holds (concurrency permits, budget reservations) until it ends.
 *
 * <p><b>Ends exactly once.</b> The first call of {@link #complete} or {@link #close} releases the permits,
 * settles the budgets and feeds the outcome back; later calls do nothing. Use try-with-resources so an
 * exception still ends it, or call {@link #complete} from an asynchronous completion callback. An admission
 * that is never ended is reclaimed by the leak guard ({@link ConcurrencyLimit#maxHold()}). Thread-safe: the
 * calls may race from different threads. A refused admission holds nothing and its calls do nothing.
 */
public interface Admission extends AutoCloseable {

  /** The engine's decision for the request. */
  Decision decision();

  /** Ends the request with an outcome: releases, settles and reports. Idempotent. */
  void complete(Outcome outcome);

  /**
   * The agent the engine identified, for a request entered through {@link AgentLimiter#enter(RequestView,
   * Route)}; empty if none was identified (an invalid request, or a failed credential).
   */
  default Optional<AgentIdentity> agent() {
    return Optional.empty();
  }

  /**
   * The body to give the application instead of the container's stream, when the engine read some of it
   * (for validation or a fingerprint): the bytes read, then the rest of the original stream. Empty when the
   * engine did not touch the body, so the application reads the container's stream as usual.
   */
  default Optional<InputStream> replayBody() {
    return Optional.empty();
  }

  /**
   * Whether the engine read the request's whole body, to the end of the stream or as many bytes as {@code
   * Content-Length} declared, so no unread body bytes remain on the connection: an adapter refusing the
   * request can then leave the connection open. {@code false} if the engine read none of the body or only a
   * part (a fingerprint prefix, a body over its limit), its read failed, or the admission cannot tell. <b>An
   * {@code Admission} that wraps another must forward this</b>, or its refusals close connections that could
   * have stayed open.
   */
  @Beta
  default boolean bodyReadToEnd() {
    return false;
  }

  /** Ends the request with {@link Outcome#unknown()} unless it has already ended. Never throws. */
  @Override
  void close();
}
