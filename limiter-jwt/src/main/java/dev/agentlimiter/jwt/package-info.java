/**
 * Bearer-JWT agent identity on nimbus-jose-jwt: an {@link dev.agentlimiter.api.IdentityResolver} that
 * accepts only allow-listed signature algorithms and requires issuer, audience and expiry.
 */
@NullMarked
package dev.agentlimiter.jwt;

import org.jspecify.annotations.NullMarked;
