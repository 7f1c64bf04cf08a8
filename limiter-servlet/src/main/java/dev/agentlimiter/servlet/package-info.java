/**
 * The Jakarta Servlet 6 adapter: {@link dev.agentlimiter.servlet.AgentLimiterFilter} puts the engine in
 * front of an application. Everything but the filter and its builder is package-private.
 */
@NullMarked
package dev.agentlimiter.servlet;

import org.jspecify.annotations.NullMarked;
