/** Runnable examples that use only the public API; the README's quick start is compiled from here. */
@NullMarked
package dev.agentlimiter.core.example;

import org.jspecify.annotations.NullMarked;
