/**
 * The Jakarta REST 3.1 adapter: {@link dev.agentlimiter.jaxrs.AgentLimiterFeature} puts the engine in front
 * of annotated resource methods. Everything but the feature and its builder is package-private.
 */
@NullMarked
package dev.agentlimiter.jaxrs;

import org.jspecify.annotations.NullMarked;
