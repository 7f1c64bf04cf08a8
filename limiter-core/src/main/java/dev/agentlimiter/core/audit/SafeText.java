package dev.agentlimiter.core.audit;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What every string value passes through before it is written: bounded in length, free of lone surrogates,
 * and replaced whole by {@value #REDACTED} if it looks like a credential. The JSON generator then escapes
 * it (quotes, control characters, and every non-ASCII character, so a line is printable ASCII). Stateless.
 */
final class SafeText {

  /** The most characters a string value keeps, the truncation mark included. */
  static final int MAX_CHARS = 256;

  /** What a truncated value ends with. */
  static final char TRUNCATED = '\u2026';

  /** What replaces a value that looks like a credential. */
  static final String REDACTED = "[redacted]";

  /** The longest request id kept. */
  static final int MAX_REQUEST_ID_CHARS = 128;

  /**
   * The start of a base64url-encoded JSON object ({@code eyJ} encodes a brace and a quote), as every JWT
   * and JWE begins, long enough not to match by chance; no dots required, so a token cut by the truncation
   * still matches. Or an HTTP authorization scheme that carries a credential, followed by a space (or its
   * encodings).
   */
  private static final Pattern SECRET =
      Pattern.compile("eyJ[A-Za-z0-9_-]{10,}|(?i:bearer|basic)(?:\\s|%20|\\+)");

  private static final Pattern REQUEST_ID =
      Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_REQUEST_ID_CHARS + "}");

  private SafeText() {}

  /** {@code value}, at most {@value #MAX_CHARS} characters, lone surrogates replaced, or redacted. */
  static String clean(String value) {
    String s = value;
    if (s.length() > MAX_CHARS) {
      int cut = MAX_CHARS - 1;
      if (Character.isHighSurrogate(s.charAt(cut - 1))) {
        cut--; // never split a pair
      }
      s = s.substring(0, cut) + TRUNCATED;
    }
    s = replaceLoneSurrogates(s);
    return SECRET.matcher(s).find() ? REDACTED : s;
  }

  /**
   * The request id if it is 1 to {@value #MAX_REQUEST_ID_CHARS} characters of {@code A-Z a-z 0-9 . _ : -}
   * and does not look like a credential; {@code null} otherwise (the line then has no request id).
   */
  static @Nullable String requestId(@Nullable String id) {
    if (id == null || !REQUEST_ID.matcher(id).matches() || SECRET.matcher(id).find()) {
      return null;
    }
    return id;
  }

  private static String replaceLoneSurrogates(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean lone;
      if (Character.isHighSurrogate(c)) {
        lone = i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        if (!lone) {
          if (out != null) {
            out.append(c).append(s.charAt(i + 1));
          }
          i++;
          continue;
        }
      } else {
        lone = Character.isLowSurrogate(c);
      }
      if (lone && out == null) {
        out = new StringBuilder(s.length()).append(s, 0, i);
      }
      if (out != null) {
        out.append(lone ? '\uFFFD' : c);
      }
    }
    return out == null ? s : out.toString();
  }
}
