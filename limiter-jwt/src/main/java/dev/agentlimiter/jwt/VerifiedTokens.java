package dev.agentlimiter.jwt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.agentlimiter.api.AgentIdentity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Tokens that passed every check, keyed on the SHA-256 of the token (never the token itself), with the
 * identity they yielded and their validity window. An entry lives until the token's {@code exp}, and at
 * most {@link #MAX_ENTRY_LIFETIME}, so a key removed from the JWK set stops being trusted within that time
 * even for cached tokens. Thread-safe; bounded by a maximum size.
 */
final class VerifiedTokens {

  /** The longest an entry is kept, whatever the token's expiry. */
  static final Duration MAX_ENTRY_LIFETIME = Duration.ofMinutes(5);

  /** What a verified token yielded. {@code notBeforeMillis} is {@link Long#MIN_VALUE} without nbf. */
  record Entry(AgentIdentity identity, long expiresAtMillis, long notBeforeMillis) {}

  /** The 256 bits of a digest. */
  record Digest(long a, long b, long c, long d) {}

  private final Cache<Digest, Entry> cache;

  VerifiedTokens(long maximumSize, Clock clock) {
    long maxLifetimeMillis = MAX_ENTRY_LIFETIME.toMillis();
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maximumSize)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .executor(Runnable::run)
            .expireAfter(
                Expiry.creating(
                    (Digest key, Entry entry) ->
                        Duration.ofMillis(
                            Math.max(
                                0,
                                Math.min(
                                    maxLifetimeMillis,
                                    saturatedDifference(entry.expiresAtMillis(), clock.millis()))))))
            .build();
  }

  private static long saturatedDifference(long a, long b) {
    long d = a - b;
    // overflow only if the signs of a and b differ and the result's sign differs from a's
    return ((a ^ b) & (a ^ d)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : d;
  }

  static Digest digest(String token) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
    ByteBuffer hash = ByteBuffer.wrap(sha256.digest(token.getBytes(StandardCharsets.US_ASCII)));
    return new Digest(hash.getLong(), hash.getLong(), hash.getLong(), hash.getLong());
  }

  @Nullable Entry get(Digest digest) {
    return cache.getIfPresent(digest);
  }

  void put(Digest digest, Entry entry) {
    cache.put(digest, entry);
  }

  void invalidate(Digest digest) {
    cache.invalidate(digest);
  }

  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }
}
