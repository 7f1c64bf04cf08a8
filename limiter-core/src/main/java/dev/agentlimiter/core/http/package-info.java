/**
 * The HTTP contract and the adapter flow, for adapters: {@link dev.agentlimiter.core.http.AdapterFlow} (admit,
 * refuse unless shadow, fail open or closed, RateLimit fields, end once), {@link
 * dev.agentlimiter.core.http.HttpResponses} (the only writer of refusals and RateLimit fields), {@link
 * dev.agentlimiter.core.http.RouteTable} (method and path to route), {@link
 * dev.agentlimiter.core.http.AdapterOptions} (the options every adapter has, one immutable value with its own
 * builder), and the optional {@link dev.agentlimiter.core.http.AdminEndpoint}.
 * Exported; the types marked {@link dev.agentlimiter.api.Beta} may change before 1.0. See {@code
 * docs/architecture.md} and {@code docs/http-contract.md}.
 */
@NullMarked
package dev.agentlimiter.core.http;

import org.jspecify.annotations.NullMarked;
