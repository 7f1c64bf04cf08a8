package dev.agentlimiter.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The SHA-256 of an API key: all an {@link ApiKeyStore} ever holds, so a leaked store leaks no key. SHA-256
 * without a salt is right for API keys, which are long random strings; it would be wrong for passwords.
 * {@link #matches} compares in constant time. Immutable and thread-safe; {@link #toString()} shows only a
 * short prefix of the hash.
 */
public final class ApiKeyHash {

  /** The shortest key accepted, in characters. */
  public static final int MIN_KEY_LENGTH = 20;

  /** The longest key accepted, in characters. */
  public static final int MAX_KEY_LENGTH = 512;

  private final byte[] sha256;
  private final int hash;

  private ApiKeyHash(byte[] sha256) {
    this.sha256 = sha256;
    this.hash = Arrays.hashCode(sha256);
  }

  /**
   * Hashes a key.
   *
   * @throws IllegalArgumentException if the key is not {@value #MIN_KEY_LENGTH} to {@value
   *     #MAX_KEY_LENGTH} printable ASCII characters without spaces (the key itself is never in the message)
   */
  public static ApiKeyHash of(String key) {
    if (!isWellFormed(key)) {
      throw new IllegalArgumentException(
          "api key: must be "
              + MIN_KEY_LENGTH
              + " to "
              + MAX_KEY_LENGTH
              + " printable ASCII characters without spaces (the key itself is not shown)");
    }
    return new ApiKeyHash(sha256(key));
  }

  /**
   * A hash written as 64 hexadecimal digits, as {@link #hex()} writes it.
   *
   * @throws IllegalArgumentException if it is not 64 hexadecimal digits
   */
  public static ApiKeyHash fromHex(String hex) {
    if (hex.length() != 64) {
      throw new IllegalArgumentException(
          "api key hash: must be 64 hexadecimal digits but had " + hex.length() + " characters");
    }
    try {
      return new ApiKeyHash(HexFormat.of().parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("api key hash: must be 64 hexadecimal digits", e);
    }
  }

  /**
   * Whether a presented credential could be a key at all: {@value #MIN_KEY_LENGTH} to {@value
   * #MAX_KEY_LENGTH} printable ASCII characters without spaces. Resolvers check this before hashing.
   */
  public static boolean isWellFormed(String key) {
    if (key.length() < MIN_KEY_LENGTH || key.length() > MAX_KEY_LENGTH) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /** The hash as 64 lower-case hexadecimal digits, for key files. */
  public String hex() {
    return HexFormat.of().formatHex(sha256);
  }

  /** Whether both are the hash of the same key, compared in constant time. */
  public boolean matches(ApiKeyHash other) {
    return MessageDigest.isEqual(sha256, other.sha256);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ApiKeyHash other && MessageDigest.isEqual(sha256, other.sha256);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "ApiKeyHash[" + hex().substring(0, 8) + "…]";
  }

  /**
   * One digest and one scratch buffer per thread: {@code MessageDigest.getInstance} costs a provider lookup
   * on every call, and a key (checked printable ASCII, at most {@value #MAX_KEY_LENGTH} characters) is copied
   * into the buffer instead of a new array.
   */
  private static final ThreadLocal<Hasher> HASHER = ThreadLocal.withInitial(Hasher::new);

  private static final class Hasher {
    final MessageDigest digest;
    final byte[] ascii = new byte[MAX_KEY_LENGTH];

    Hasher() {
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java platform has SHA-256", e);
      }
    }
  }

  private static byte[] sha256(String key) {
    Hasher h = HASHER.get();
    int n = key.length();
    for (int i = 0; i < n; i++) {
      h.ascii[i] = (byte) key.charAt(i);
    }
    h.digest.update(h.ascii, 0, n);
    return h.digest.digest(); // and resets it
  }
}
