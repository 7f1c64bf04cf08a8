/**
 * Internal, not API: request validation. Request rules, the body read once and bounded ({@code
 * RequestCheck}) and the streaming JSON shape check ({@code JsonShape}). Public only so that the other
 * packages of limiter-core can reach it; its module does not export it, and any of it may change in any
 * release.
 */
@NullMarked
package dev.agentlimiter.core.internal.validation;

import org.jspecify.annotations.NullMarked;
