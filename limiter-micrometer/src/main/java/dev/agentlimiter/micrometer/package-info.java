/**
 * The limiter's events as Micrometer meters: {@link dev.agentlimiter.micrometer.AgentLimiterMetrics}, a
 * {@link dev.agentlimiter.api.LimiterListener} and {@link io.micrometer.core.instrument.binder.MeterBinder}
 * whose every tag has a bounded number of values. Agent ids, credentials, request ids and raw paths are
 * never tags. See {@code docs/metrics.md}.
 */
@NullMarked
package dev.agentlimiter.micrometer;

import org.jspecify.annotations.NullMarked;
