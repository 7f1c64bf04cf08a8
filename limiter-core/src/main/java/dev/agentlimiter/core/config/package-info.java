/**
 * Policy files: reading one into a {@link dev.agentlimiter.api.PolicySet}, and {@link
 * dev.agentlimiter.core.config.PolicyFileWatcher}, which applies each valid new version of one to a limiter
 * while it runs and keeps the last good configuration when an edit is bad. Everything else here is
 * package-private. See {@code docs/policy-files.md} and {@code docs/reload.md}.
 */
@NullMarked
package dev.agentlimiter.core.config;

import org.jspecify.annotations.NullMarked;
