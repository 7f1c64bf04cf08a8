/**
 * The entry point: {@link dev.agentlimiter.core.AgentLimiters#newBuilder()} builds the {@link
 * dev.agentlimiter.api.AgentLimiter}. The rest of limiter-core is one package per concern: {@code
 * dev.agentlimiter.core.http} (the HTTP contract and the adapter flow), {@code
 * dev.agentlimiter.core.identity} (resolvers and key stores) and {@code dev.agentlimiter.core.audit} (the audit
 * log) are API; {@code dev.agentlimiter.core.internal.*} (engine and steps, per-agent state, defences,
 * validation) is not, and the module does not export it. See {@code docs/architecture.md}.
 */
@NullMarked
package dev.agentlimiter.core;

import org.jspecify.annotations.NullMarked;
