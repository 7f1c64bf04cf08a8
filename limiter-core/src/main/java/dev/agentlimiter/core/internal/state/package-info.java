/**
 * Internal, not API: per-agent state. The bounded bucket store, the eviction ledger that keeps an evicted
 * agent from coming back fuller, the state keys and the engine's clock. Public only so that the other
 * packages of limiter-core can reach it; its module does not export it, and any of it may change in any
 * release.
 */
@NullMarked
package dev.agentlimiter.core.internal.state;

import org.jspecify.annotations.NullMarked;
