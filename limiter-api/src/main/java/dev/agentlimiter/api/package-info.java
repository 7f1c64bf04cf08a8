/**
 * The public surface of Agent Limiter: the {@link dev.agentlimiter.api.AgentRateLimit} annotation, immutable
 * value types ({@link dev.agentlimiter.api.Policy}, {@link dev.agentlimiter.api.Limit},
 * {@link dev.agentlimiter.api.AgentIdentity}, {@link dev.agentlimiter.api.Decision}), the engine interface
 * {@link dev.agentlimiter.api.AgentLimiter}, and the small SPIs that other modules implement.
 *
 * <p>This package has no runtime dependencies. Every type is immutable and thread-safe unless its
 * documentation says otherwise. Nothing is {@code null} unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.agentlimiter.api;

import org.jspecify.annotations.NullMarked;
