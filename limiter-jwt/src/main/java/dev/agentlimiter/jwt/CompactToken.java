package dev.agentlimiter.jwt;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Base64;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The shape of a bearer value, checked before any cryptography: the {@code Authorization} header's scheme,
 * the compact serialization (three or five dot-separated base64url segments) and the canonical encoding of
 * each segment. Stateless.
 */
final class CompactToken {

  /** Not a compact JWS or JWE. */
  static final int NOT_COMPACT = 0;

  /** Segments of a compact JWS. */
  static final int JWS_SEGMENTS = 3;

  /** Segments of a compact JWE. */
  static final int JWE_SEGMENTS = 5;

  private static final String BEARER = "bearer";

  private CompactToken() {}

  /** True if the credentials use the {@code Bearer} scheme (case-insensitive), with or without a value. */
  static boolean isBearer(String credentials) {
    return bearerValueStart(credentials) >= 0;
  }

  /**
   * The index where the bearer value starts (after the scheme and one or more spaces), the length of the
   * string if the scheme stands alone, or -1 if the scheme is not {@code Bearer}.
   */
  static int bearerValueStart(String credentials) {
    int n = BEARER.length();
    if (credentials.length() < n || !credentials.regionMatches(true, 0, BEARER, 0, n)) {
      return -1;
    }
    if (credentials.length() == n) {
      return n;
    }
    if (credentials.charAt(n) != ' ') {
      return -1;
    }
    int i = n;
    while (i < credentials.length() && credentials.charAt(i) == ' ') {
      i++;
    }
    return i;
  }

  /** The end of the value: trailing spaces and tabs are not part of it. */
  static int valueEnd(String credentials, int start) {
    int end = credentials.length();
    while (end > start && (credentials.charAt(end - 1) == ' ' || credentials.charAt(end - 1) == '\t')) {
      end--;
    }
    return end;
  }

  /**
   * {@link #JWS_SEGMENTS} or {@link #JWE_SEGMENTS} if the token is that many dot-separated segments of
   * base64url characters (no padding), the first one non-empty and none of a length no base64 encoding has;
   * otherwise {@link #NOT_COMPACT}.
   */
  static int segments(String token) {
    int segments = 1;
    int segmentStart = 0;
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '.') {
        if (!possibleLength(i - segmentStart) || (segments == 1 && i == 0)) {
          return NOT_COMPACT;
        }
        segments++;
        if (segments > JWE_SEGMENTS) {
          return NOT_COMPACT;
        }
        segmentStart = i + 1;
      } else if (sextet(c) < 0) {
        return NOT_COMPACT;
      }
    }
    if (!possibleLength(token.length() - segmentStart)) {
      return NOT_COMPACT;
    }
    return segments == JWS_SEGMENTS || segments == JWE_SEGMENTS ? segments : NOT_COMPACT;
  }

  /**
   * The JOSE header of a token that passed {@link #segments}: the first segment decoded as a JSON object,
   * or {@code null} if it is not one.
   */
  static @Nullable Map<String, Object> header(String token) {
    String first = token.substring(0, token.indexOf('.'));
    try {
      String json = new String(Base64.getUrlDecoder().decode(first), StandardCharsets.UTF_8).strip();
      // the parser would also read an array of pairs as a map
      return json.startsWith("{") ? JSONObjectUtils.parse(json) : null;
    } catch (IllegalArgumentException | ParseException e) {
      return null;
    }
  }

  /**
   * True if every segment of a token that passed {@link #segments} is the canonical encoding of its bytes:
   * the unused low bits of the last character are zero. Without this check, several strings would carry
   * the same signed bytes.
   */
  static boolean canonical(String token) {
    int segmentStart = 0;
    for (int i = 0; i <= token.length(); i++) {
      if (i == token.length() || token.charAt(i) == '.') {
        int length = i - segmentStart;
        if (length > 0) {
          int last = sextet(token.charAt(i - 1));
          int unusedBits = switch (length % 4) {
            case 2 -> 0x0F;
            case 3 -> 0x03;
            default -> 0;
          };
          if ((last & unusedBits) != 0) {
            return false;
          }
        }
        segmentStart = i + 1;
      }
    }
    return true;
  }

  /** A base64 encoding without padding never has a length of 1 modulo 4. */
  private static boolean possibleLength(int length) {
    return length % 4 != 1;
  }

  /** The value of a base64url character, or -1. */
  private static int sextet(char c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '-') {
      return 62;
    }
    if (c == '_') {
      return 63;
    }
    return -1;
  }
}
