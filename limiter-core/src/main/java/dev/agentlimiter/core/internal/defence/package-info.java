/**
 * Internal, not API: the defences. Loop and burst detection and reputation ({@code WatchTable}, {@code
 * AgentWatch}, {@code LoopTable}), quarantine ({@code PenaltyBox}), concurrency permits ({@code
 * InFlightTable}), budgets ({@code BudgetLedger}) and the top offenders sketch. Public only so that the
 * other packages of limiter-core can reach it; its module does not export it, and any of it may change in
 * any release.
 */
@NullMarked
package dev.agentlimiter.core.internal.defence;

import org.jspecify.annotations.NullMarked;
