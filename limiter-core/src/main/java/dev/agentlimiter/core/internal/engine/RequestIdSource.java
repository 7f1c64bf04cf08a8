package dev.agentlimiter.core.internal.engine;

/**
 * The id of the request being decided, for the detector events it causes: the same id as its {@link
 * dev.agentlimiter.api.DecisionEvent}'s. Implemented by {@link Exchange}, which computes it at most once,
 * when first asked; a request outside HTTP has none ({@code null} where a source is expected).
 */
interface RequestIdSource {

  /** The request's id, the same on every call. */
  String requestId();
}
