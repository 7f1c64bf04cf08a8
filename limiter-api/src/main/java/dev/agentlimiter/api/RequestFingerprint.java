package dev.agentlimiter.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What makes two requests "the same request" for {@linkplain LoopDetection loop detection}: a 128-bit
 * SHA-256 prefix of the method, the route, the normalised query and a digest of at most the first
 * {@link Builder#maximumBodyBytes(int) N} bytes of the body (default {@value #DEFAULT_BODY_PREFIX_BYTES}).
 * Adapters compute it; applications calling the engine directly may too. Immutable and thread-safe.
 *
 * <pre>{@code
 * RequestFingerprint fp = RequestFingerprint.builder("POST", "/v1/orders")
 *     .query("b=2&a=1")
 *     .body(bytes, 0, length)
 *     .build();
 * }</pre>
 */
public final class RequestFingerprint {

  /** Default number of body bytes digested. */
  public static final int DEFAULT_BODY_PREFIX_BYTES = 8 * 1024;

  private final long high;
  private final long low;
  private final boolean safe;

  private RequestFingerprint(long high, long low, boolean safe) {
    this.high = high;
    this.low = low;
    this.safe = safe;
  }

  /**
   * A fingerprint from its two halves, as {@link #high()} and {@link #low()} return them, of a request that
   * is not {@linkplain #isSafe() safe}: every repeat counts.
   */
  public static RequestFingerprint of(long high, long low) {
    return new RequestFingerprint(high, low, false);
  }

  /**
   * A fingerprint from its two halves, of a request of a safe method ({@code GET}, {@code HEAD}, {@code
   * OPTIONS}, {@code TRACE}) if {@code safe}: then {@link LoopDetection} counts a repeat only when it shows a
   * storm, never a patient poll.
   */
  public static RequestFingerprint of(long high, long low, boolean safe) {
    return new RequestFingerprint(high, low, safe);
  }

  /**
   * Whether the request's method is safe in the sense of RFC 9110 ({@code GET}, {@code HEAD}, {@code
   * OPTIONS}, {@code TRACE}), as {@link #builder} sets it. {@link LoopDetection} judges repeats of safe
   * requests by what tells a retry storm from polling; see there.
   */
  public boolean isSafe() {
    return safe;
  }

  /** Whether {@code method} is safe in the sense of RFC 9110: GET, HEAD, OPTIONS or TRACE (any case). */
  public static boolean isSafeMethod(String method) {
    return method.equalsIgnoreCase("GET")
        || method.equalsIgnoreCase("HEAD")
        || method.equalsIgnoreCase("OPTIONS")
        || method.equalsIgnoreCase("TRACE");
  }

  /**
   * Starts a fingerprint.
   *
   * @param method the HTTP method, case-insensitive
   * @param route the route template or path, compared exactly
   */
  public static Builder builder(String method, String route) {
    return new Builder(method, route);
  }

  /**
   * A query string in canonical form, so reordered parameters are the same request: parameters split at
   * {@code '&'}, empty ones dropped, the hex digits of percent escapes upper-cased, sorted, joined with {@code '&'}.
   */
  public static String normaliseQuery(String rawQuery) {
    if (rawQuery.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (String part : rawQuery.split("&", -1)) {
      if (!part.isEmpty()) {
        parts.add(upperEscapes(part));
      }
    }
    parts.sort(null);
    return String.join("&", parts);
  }

  private static String upperEscapes(String part) {
    if (part.indexOf('%') < 0) {
      return part;
    }
    char[] chars = part.toCharArray();
    for (int i = 0; i + 2 < chars.length; i++) {
      if (chars[i] == '%' && isHex(chars[i + 1]) && isHex(chars[i + 2])) {
        chars[i + 1] = Character.toUpperCase(chars[i + 1]);
        chars[i + 2] = Character.toUpperCase(chars[i + 2]);
        i += 2;
      }
    }
    return new String(chars);
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** The first 64 bits. */
  public long high() {
    return high;
  }

  /** The second 64 bits. */
  public long low() {
    return low;
  }

  /**
   * Equal when both halves are. The method is part of the digest, so built fingerprints that are equal
   * agree on {@link #isSafe()}.
   */
  @Override
  public boolean equals(@org.jspecify.annotations.Nullable Object o) {
    return o instanceof RequestFingerprint other && high == other.high && low == other.low;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(high * 31 + low);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%016x%016x", high, low);
  }

  /**
   * Builds a {@link RequestFingerprint}. Not thread-safe; the body may be fed in pieces as it streams,
   * and bytes beyond the maximum are ignored.
   */
  public static final class Builder {
    private final String method;
    private final String route;
    private String query = "";
    private final MessageDigest body = sha256();
    private int maximumBodyBytes = DEFAULT_BODY_PREFIX_BYTES;
    private long bodyBytes;

    private Builder(String method, String route) {
      this.method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
      this.route = Objects.requireNonNull(route, "route");
    }

    /** Sets the raw query string (without {@code '?'}); it is {@linkplain #normaliseQuery normalised}. */
    public Builder query(String rawQuery) {
      query = normaliseQuery(Objects.requireNonNull(rawQuery, "query"));
      return this;
    }

    /**
     * Sets how many body bytes are digested (default {@value #DEFAULT_BODY_PREFIX_BYTES}); set before
     * feeding the body.
     *
     * @throws IllegalArgumentException if not between 0 and 1 MiB
     */
    public Builder maximumBodyBytes(int bytes) {
      maximumBodyBytes = Checks.between("fingerprint: maximumBodyBytes", bytes, 0, 1 << 20);
      return this;
    }

    /** Feeds body bytes; only the first {@code maximumBodyBytes} of all calls together count. */
    public Builder body(byte[] bytes, int offset, int length) {
      Objects.checkFromIndexSize(offset, length, bytes.length);
      long room = Math.max(0, maximumBodyBytes - bodyBytes);
      int take = (int) Math.min(room, length);
      body.update(bytes, offset, take);
      bodyBytes += take;
      return this;
    }

    /** The fingerprint. */
    public RequestFingerprint build() {
      MessageDigest all = sha256();
      // each part length-prefixed, so no byte can move from one part into the next
      part(all, method);
      part(all, route);
      part(all, query);
      all.update(body.digest());
      byte[] d = all.digest();
      return new RequestFingerprint(readLong(d, 0), readLong(d, 8), isSafeMethod(method));
    }

    private static void part(MessageDigest digest, String value) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      int n = bytes.length;
      digest.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
      digest.update(bytes);
    }

    private static long readLong(byte[] d, int at) {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (d[at + i] & 0xff);
      }
      return v;
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java platform has SHA-256", e);
      }
    }

    @Override
    public String toString() {
      return "RequestFingerprint.Builder[" + method + " " + route + "?" + query + ", body bytes "
          + bodyBytes + "]";
    }
  }
}
