/**
 * The engine. {@link dev.agentlimiter.core.AgentLimiters#newBuilder()} is the entry point; {@link
 * dev.agentlimiter.core.HttpResponses} is the HTTP contract the adapters write; everything else in this
 * package is package-private.
 */
@NullMarked
package dev.agentlimiter.core;

import org.jspecify.annotations.NullMarked;
