package dev.agentlimiter.core.identity;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.ApiKeyEntry;
import dev.agentlimiter.api.ApiKeyHash;
import dev.agentlimiter.api.ApiKeyStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * API keys held in memory as SHA-256 hashes only: the key itself is never stored, logged or compared
 * directly. Each agent may have at most {@value #LIVE_KEYS_PER_AGENT} live keys, so a key can be rotated
 * without downtime: add the new one, move the agent over, revoke the old one.
 *
 * <p>Thread-safe: changes are serialized, lookups are lock-free and see every completed change.
 */
public final class InMemoryApiKeyStore implements ApiKeyStore {

  /** Live (neither revoked nor expired) keys one agent may hold at once. */
  public static final int LIVE_KEYS_PER_AGENT = 2;

  private final Clock clock;
  private final ConcurrentHashMap<ApiKeyHash, ApiKeyEntry> byHash = new ConcurrentHashMap<>();
  /** Each agent's keys, so adding a key looks at that agent's keys only (guarded by this). */
  private final Map<String, List<ApiKeyHash>> byAgent = new HashMap<>();

  private InMemoryApiKeyStore(Clock clock) {
    this.clock = clock;
  }

  /** An empty store that reads the system clock to count live keys. */
  public static InMemoryApiKeyStore create() {
    return create(Clock.systemUTC());
  }

  /** An empty store that reads {@code clock} to count live keys. */
  public static InMemoryApiKeyStore create(Clock clock) {
    return new InMemoryApiKeyStore(Objects.requireNonNull(clock, "clock"));
  }

  /**
   * Adds a key that never expires.
   *
   * @throws IllegalArgumentException if the key is malformed (see {@link ApiKeyHash#of}) or already added
   * @throws IllegalStateException if the agent already has {@value #LIVE_KEYS_PER_AGENT} live keys
   */
  public InMemoryApiKeyStore add(String key, AgentIdentity identity) {
    return add(ApiKeyHash.of(key), identity, null);
  }

  /**
   * Adds a key by its hash, as a key file holds it.
   *
   * @param expiresAt the first instant the key is refused, or {@code null} for never
   * @throws IllegalArgumentException if the hash is already added
   * @throws IllegalStateException if the agent already has {@value #LIVE_KEYS_PER_AGENT} live keys
   */
  public synchronized InMemoryApiKeyStore add(
      ApiKeyHash hash, AgentIdentity identity, @Nullable Instant expiresAt) {
    Objects.requireNonNull(identity, "identity");
    if (byHash.containsKey(hash)) {
      throw new IllegalArgumentException(
          "api key for '" + identity.id() + "': this key is already in use (the key itself is not shown)");
    }
    List<ApiKeyHash> own = byAgent.computeIfAbsent(identity.id(), id -> new ArrayList<>(2));
    List<ApiKeyEntry> entries = new ArrayList<>(own.size());
    for (ApiKeyHash h : own) {
      entries.add(byHash.get(h));
    }
    checkLiveKeys(entries, identity.id(), clock.instant());
    byHash.put(hash, new ApiKeyEntry(hash, identity, expiresAt, false));
    own.add(hash);
    return this;
  }

  /** Revokes a key; {@code true} if it was known and not yet revoked. A malformed key is simply unknown. */
  public boolean revoke(String key) {
    return ApiKeyHash.isWellFormed(key) && revoke(ApiKeyHash.of(key));
  }

  /** Revokes a key by its hash; {@code true} if it was known and not yet revoked. */
  public synchronized boolean revoke(ApiKeyHash hash) {
    ApiKeyEntry e = byHash.get(hash);
    if (e == null || e.revoked()) {
      return false;
    }
    byHash.put(hash, new ApiKeyEntry(e.hash(), e.identity(), e.expiresAt(), true));
    return true;
  }

  @Override
  public @Nullable ApiKeyEntry find(ApiKeyHash hash) {
    return byHash.get(hash);
  }

  /** Keys held, revoked and expired ones included. */
  public int size() {
    return byHash.size();
  }

  /** Refuses a further key for an agent whose {@code entries} (its keys so far) hold two live ones. */
  static void checkLiveKeys(Collection<ApiKeyEntry> entries, String agentId, Instant now) {
    long live = 0;
    for (ApiKeyEntry e : entries) {
      if (e.isLive(now)) {
        live++;
      }
    }
    if (live >= LIVE_KEYS_PER_AGENT) {
      throw new IllegalStateException(
          "agent '"
              + agentId
              + "' already has "
              + LIVE_KEYS_PER_AGENT
              + " live api keys; revoke one before adding another");
    }
  }
}
