/**
 * Identity resolution: {@link dev.agentlimiter.core.identity.IdentityResolvers} (container principal, API
 * keys, client certificates, the client address behind trusted proxies), the {@link
 * dev.agentlimiter.core.identity.ForwardedHeader} those proxies write, and the API key stores {@link
 * dev.agentlimiter.core.identity.InMemoryApiKeyStore} and {@link
 * dev.agentlimiter.core.identity.FileApiKeyStore}. Everything else here is package-private. See {@code
 * docs/identity.md}.
 */
@NullMarked
package dev.agentlimiter.core.identity;

import org.jspecify.annotations.NullMarked;
