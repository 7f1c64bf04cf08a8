/**
 * Identity resolution (issue 4, in progress): client-address resolution behind trusted proxies. Everything
 * here is package-private until the resolver chain's public API lands.
 */
@NullMarked
package dev.agentlimiter.core.identity;

import org.jspecify.annotations.NullMarked;
