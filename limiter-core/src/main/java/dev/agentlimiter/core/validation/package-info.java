/**
 * Request validation (issue 4, in progress): JSON well-formedness with explicit limits. Everything here is
 * package-private until the validation rules' public API lands.
 */
@NullMarked
package dev.agentlimiter.core.validation;

import org.jspecify.annotations.NullMarked;
