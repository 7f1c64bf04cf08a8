package dev.agentlimiter.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits an endpoint by policies defined by name in the limiter's configuration ({@link PolicySet}: in
 * code, or in a policy file), so that an annotated endpoint has every defence a policy can hold
 * (concurrency caps, loop and burst detection, quarantine, reputation, budgets), not only the limits
 * {@link AgentRateLimit} can spell. On a method it replaces its type's; beside {@link AgentRateLimit}s on
 * the same element, the annotations' policy comes first and these follow.
 *
 * <pre>{@code
 * @AgentPolicy("orders")
 * @RequireScope("orders:write")
 * public Response create(Order order) { ... }
 * }</pre>
 *
 * <p>Each name must be defined by the configuration when the adapter starts, and a new configuration that
 * drops one is refused, keeping the running one.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface AgentPolicy {

  /** The policies' names, in evaluation order; at least one. */
  String[] value();
}
