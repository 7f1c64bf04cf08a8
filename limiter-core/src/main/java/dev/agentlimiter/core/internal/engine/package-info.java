/**
 * Internal, not API: the facade {@code Limiter}, the engine and its steps ({@code Step.ORDER}, the HTTP
 * steps in {@code HttpGate}, the policy steps in {@code Pipeline}), the per-request {@code Exchange}, the
 * admission and the operator's view. Public only so that the other packages of limiter-core can reach it;
 * its module does not export it, and any of it may change in any release. See {@code docs/architecture.md}.
 */
@NullMarked
package dev.agentlimiter.core.internal.engine;

import org.jspecify.annotations.NullMarked;
