package dev.agentlimiter.api;

import org.jspecify.annotations.Nullable;

/**
 * Where API keys are looked up, by hash. Implement it to keep keys in your own database; the core module
 * has an in-memory store and a file-backed one. The resolver hashes the presented key, calls {@link #find},
 * and compares the entry's hash in constant time; a store never sees a key.
 *
 * <p>Implementations must be thread-safe and fast: {@link #find} runs on the request path, so a remote
 * store should cache. It must not throw for an unknown hash; it may throw if the store is unavailable, and
 * the resolver then rejects the credential ({@code "store-unavailable"}), never admitting it.
 */
@Beta
@FunctionalInterface
public interface ApiKeyStore {

  /** The entry whose {@link ApiKeyEntry#hash()} equals {@code hash}, or {@code null} if there is none. */
  @Nullable ApiKeyEntry find(ApiKeyHash hash);
}
