package dev.agentlimiter.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares one token-bucket limit on an endpoint: the agent may hold up to {@link #capacity()} tokens, and
 * {@link #refill()} tokens flow back every {@link #period()}, continuously (greedy refill: with 10 per
 * {@code PT1S} one token returns every 100 ms). Each request takes {@link #cost()} tokens.
 *
 * <pre>{@code
 * @AgentRateLimit(name = "burst", capacity = 20, refill = 10, period = "PT1S")
 * @AgentRateLimit(name = "hourly", capacity = 600, refill = 600, period = "PT1H")
 * public void search(...) { ... }
 * }</pre>
 *
 * <p>Repeat the annotation for several limits; a request is admitted only when every limit admits it, and a
 * refused request takes no token from any limit. On a type it applies to every endpoint of the type; an
 * annotation on a method replaces those of its type. Values are validated when the adapter reads them; an
 * invalid annotation fails at startup with a message naming the limit, never at request time.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Repeatable(AgentRateLimit.List.class)
public @interface AgentRateLimit {

  /**
   * The limit's name, unique per endpoint; it appears in {@code RateLimit-Policy} headers and problem
   * bodies. Letters, digits, {@code . _ -}; at most 64 characters.
   */
  String name();

  /** The most tokens an agent can hold, which is its largest burst. Must be {@code > 0}. */
  long capacity();

  /** Tokens returned every {@link #period()}. Must be {@code > 0}. */
  long refill();

  /**
   * The refill period as an ISO-8601 duration, as {@link java.time.Duration#parse} reads it: {@code "PT1S"},
   * {@code "PT1M"}, {@code "PT1H"}, {@code "P1D"}. Must be positive and at most 100 years.
   */
  String period();

  /** Tokens one request takes; {@code > 0} and at most {@link #capacity()}. */
  long cost() default 1;

  /**
   * The lane this limit belongs to. Lanes separate an agent's traffic classes (for example
   * {@code "inbound"} and {@code "egress"}) so that throttling one leaves the others working.
   */
  String lane() default Policy.DEFAULT_LANE;

  /** The container that makes {@link AgentRateLimit} repeatable; not meant to be written by hand. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @interface List {
    /** The repeated annotations, in declaration order. */
    AgentRateLimit[] value();
  }
}
