package dev.agentlimiter.core.audit;

import org.jspecify.annotations.Nullable;

/**
 * What a line says apart from its agent, its scope and its details: the middle part of a fold key, and
 * what a fold line repeats of the lines it stands for. A value; finitely many exist (one per reason and
 * shadow flag, one per detector event type).
 *
 * @param action {@code event.action}
 * @param warn whether the line is logged at WARN (else INFO)
 * @param category {@code event.category}'s one value
 * @param outcome {@code event.outcome}, or {@code null} for a detector event
 * @param reason {@code agentlimiter.reason} of a decision, or {@code null} for a detector event
 * @param shadow {@code agentlimiter.shadow} of a decision
 * @param scopeField the {@code agentlimiter.} field the scope is written under ({@code route}, {@code
 *     policy}, {@code lane}, {@code budget}), or {@code null} if the line has no scope
 */
record LineKind(
    String action,
    boolean warn,
    String category,
    @Nullable String outcome,
    @Nullable String reason,
    boolean shadow,
    @Nullable String scopeField) {

  /** Whether this is the kind of a decision line. */
  boolean decision() {
    return reason != null;
  }
}
