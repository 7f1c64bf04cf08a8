/**
 * The audit log: {@link dev.agentlimiter.core.audit.AuditLog}, a listener that writes one JSON line (Elastic
 * Common Schema field names) per refusal, shadow refusal, identity failure, detector event, configuration
 * applied or refused and, when asked, admission, through SLF4J, off the request thread. Everything else here
 * is package-private. See {@code docs/observability.md}.
 */
@NullMarked
package dev.agentlimiter.core.audit;

import org.jspecify.annotations.NullMarked;
