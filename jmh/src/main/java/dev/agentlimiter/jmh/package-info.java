/**
 * JMH benchmarks of the limiter, side by side with the floor (raw Caffeine + Bucket4j, no library) and with
 * single-key peers (Guava, Resilience4j), plus {@link dev.agentlimiter.jmh.RetainedBytes}, a JOL measurement
 * of the memory retained per tracked agent. Not published.
 */
@NullMarked
package dev.agentlimiter.jmh;

import org.jspecify.annotations.NullMarked;
