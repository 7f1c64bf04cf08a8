/**
 * The engine. {@link dev.agentlimiter.core.AgentLimiters#newBuilder()} is the only entry point; everything
 * else in this package is package-private.
 */
@NullMarked
package dev.agentlimiter.core;

import org.jspecify.annotations.NullMarked;
