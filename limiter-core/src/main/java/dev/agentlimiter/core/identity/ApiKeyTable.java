package dev.agentlimiter.core.identity;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentityResult;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * API keys held as SHA-256 hashes only: the key itself is never stored, logged or compared directly. A
 * presented key is hashed, looked up by its hash, and the stored hash compared in constant time. Each
 * agent may have at most {@value #LIVE_KEYS_PER_AGENT} live keys, so a key can be rotated without downtime
 * (add the new one, move the agent over, revoke the old one). A failed lookup creates no state.
 *
 * <p>SHA-256 without a salt is right for API keys, which are long random strings; it would be wrong for
 * passwords. Thread-safe: mutations are serialized, lookups are lock-free.
 */
final class ApiKeyTable {

  static final int LIVE_KEYS_PER_AGENT = 2;
  static final int MIN_KEY_LENGTH = 20;
  static final int MAX_KEY_LENGTH = 512;

  /** What a key stands for. {@code expiresAt} null means no expiry. Immutable. */
  private static final class Entry {
    private final byte[] hash;
    private final AgentIdentity identity;
    private final @Nullable Instant expiresAt;
    private final boolean revoked;

    Entry(byte[] hash, AgentIdentity identity, @Nullable Instant expiresAt, boolean revoked) {
      this.hash = hash;
      this.identity = identity;
      this.expiresAt = expiresAt;
      this.revoked = revoked;
    }

    byte[] hash() {
      return hash;
    }

    AgentIdentity identity() {
      return identity;
    }

    @Nullable Instant expiresAt() {
      return expiresAt;
    }

    boolean revoked() {
      return revoked;
    }
  }

  /** The first 128 bits of a hash, the map key; the full hash is compared afterwards. */
  private record HashKey(long high, long low) {}

  private final ConcurrentHashMap<HashKey, Entry> byHash = new ConcurrentHashMap<>();

  /**
   * Adds a key.
   *
   * @throws IllegalArgumentException if the key is shorter than {@value #MIN_KEY_LENGTH} characters, longer
   *     than {@value #MAX_KEY_LENGTH}, not printable ASCII, or already added
   * @throws IllegalStateException if the agent already has {@value #LIVE_KEYS_PER_AGENT} live keys
   */
  synchronized void add(String key, AgentIdentity identity, @Nullable Instant expiresAt, Instant now) {
    Objects.requireNonNull(identity, "identity");
    if (key.length() < MIN_KEY_LENGTH || key.length() > MAX_KEY_LENGTH || !printable(key)) {
      throw new IllegalArgumentException(
          "api key for '"
              + identity.id()
              + "': must be "
              + MIN_KEY_LENGTH
              + " to "
              + MAX_KEY_LENGTH
              + " printable ASCII characters (the key itself is not shown)");
    }
    byte[] hash = sha256(key);
    HashKey k = keyOf(hash);
    if (byHash.containsKey(k)) {
      throw new IllegalArgumentException(
          "api key for '" + identity.id() + "': this key is already in use (the key itself is not shown)");
    }
    long live =
        byHash.values().stream()
            .filter(e -> e.identity().id().equals(identity.id()) && isLive(e, now))
            .count();
    if (live >= LIVE_KEYS_PER_AGENT) {
      throw new IllegalStateException(
          "agent '"
              + identity.id()
              + "' already has "
              + LIVE_KEYS_PER_AGENT
              + " live api keys; revoke one before adding another");
    }
    byHash.put(k, new Entry(hash, identity, expiresAt, false));
  }

  /** Revokes a key; {@code true} if it was known and not yet revoked. */
  synchronized boolean revoke(String key) {
    if (key.length() > MAX_KEY_LENGTH) {
      return false;
    }
    HashKey k = keyOf(sha256(key));
    Entry e = byHash.get(k);
    if (e == null || e.revoked()) {
      return false;
    }
    byHash.put(k, new Entry(e.hash(), e.identity(), e.expiresAt(), true));
    return true;
  }

  /**
   * Resolves a presented key: {@code Identified}, or {@code Rejected} with a distinct cause
   * ({@code malformed}, {@code unknown-key}, {@code revoked}, {@code expired}) for the audit log. The
   * HTTP answer must not tell these apart.
   */
  IdentityResult resolve(String presented, Instant now) {
    if (presented.isEmpty() || presented.length() > MAX_KEY_LENGTH || !printable(presented)) {
      return new IdentityResult.Rejected("malformed");
    }
    byte[] hash = sha256(presented);
    Entry e = byHash.get(keyOf(hash));
    if (e == null || !MessageDigest.isEqual(e.hash(), hash)) {
      return new IdentityResult.Rejected("unknown-key");
    }
    if (e.revoked()) {
      return new IdentityResult.Rejected("revoked");
    }
    Instant expiresAt = e.expiresAt();
    if (expiresAt != null && !now.isBefore(expiresAt)) {
      return new IdentityResult.Rejected("expired");
    }
    return new IdentityResult.Identified(e.identity());
  }

  /** Keys held, revoked and expired included. */
  int size() {
    return byHash.size();
  }

  private static boolean isLive(Entry e, Instant now) {
    Instant expiresAt = e.expiresAt();
    return !e.revoked() && (expiresAt == null || now.isBefore(expiresAt));
  }

  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  private static HashKey keyOf(byte[] hash) {
    long high = 0;
    long low = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (hash[i] & 0xff);
      low = (low << 8) | (hash[8 + i] & 0xff);
    }
    return new HashKey(high, low);
  }

  static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
