package dev.agentlimiter.api;

/**
 * The grammars of the values the limiter writes into headers, problem bodies, logs and metric tags. Each
 * rule is written here once; every builder, adapter and parser that accepts such a value asks this class.
 *
 * <ul>
 *   <li>A <b>name</b> (of a policy, limit, lane or budget, or a {@code WWW-Authenticate} realm) has 1 to
 *       {@value #MAX_NAME_LENGTH} characters, each an ASCII letter or digit, {@code '.'}, {@code '_'} or
 *       {@code '-'}, so that it can be written as a quoted header string without escaping.
 *   <li>A <b>scope</b> is an RFC 6749 scope token of 1 to {@value #MAX_SCOPE_LENGTH} characters: printable
 *       ASCII ({@code 0x21} to {@code 0x7e}) other than {@code '"'} and {@code '\'}.
 *   <li>A <b>tier</b> is any string that is not {@linkplain String#isBlank() blank}.
 * </ul>
 *
 * <p>Each {@code is…} method answers whether a value belongs to its grammar; each {@code check…} method
 * returns the value if it does and otherwise throws an {@link IllegalArgumentException} whose message starts
 * with the caller's {@code subject} (such as {@code "realm"} or {@code "budget: name"}) and, for names and
 * scopes, ends with the value. Stateless and thread-safe.
 */
@Beta
public final class Grammar {

  /** The longest name. */
  public static final int MAX_NAME_LENGTH = 64;

  /** The longest scope. */
  public static final int MAX_SCOPE_LENGTH = 128;

  private Grammar() {}

  /**
   * Whether {@code s} is a name: 1 to {@value #MAX_NAME_LENGTH} letters, digits, {@code '.'}, {@code '_'} or
   * {@code '-'}.
   */
  public static boolean isName(String s) {
    if (!nameLength(s)) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks a name.
   *
   * @param subject what the message calls the value, such as {@code "policy: name"}
   * @return {@code name}
   * @throws IllegalArgumentException {@code "<subject> must have 1 to 64 characters but was '<name>'"} or
   *     {@code "<subject> may contain only letters, digits, '.', '_' and '-' but was '<name>'"}
   */
  public static String checkName(String subject, String name) {
    if (isName(name)) {
      return name;
    }
    throw new IllegalArgumentException(
        nameLength(name)
            ? subject + " may contain only letters, digits, '.', '_' and '-' but was '" + name + "'"
            : subject + " must have 1 to " + MAX_NAME_LENGTH + " characters but was '" + name + "'");
  }

  private static boolean nameLength(String s) {
    return !s.isEmpty() && s.length() <= MAX_NAME_LENGTH;
  }

  /**
   * Whether {@code s} is a scope: an RFC 6749 scope token of 1 to {@value #MAX_SCOPE_LENGTH} characters,
   * printable ASCII other than {@code '"'} and {@code '\'}.
   */
  public static boolean isScope(String s) {
    if (!scopeLength(s)) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks a scope.
   *
   * @param subject what the message calls the value, such as {@code "scope:"}
   * @return {@code scope}
   * @throws IllegalArgumentException {@code "<subject> must have 1 to 128 characters but was '<scope>'"} or
   *     {@code "<subject> must be printable ASCII without spaces, quotes or backslashes but was '<scope>'"}
   */
  public static String checkScope(String subject, String scope) {
    if (isScope(scope)) {
      return scope;
    }
    throw new IllegalArgumentException(
        scopeLength(scope)
            ? subject + " must be printable ASCII without spaces, quotes or backslashes but was '" + scope + "'"
            : subject + " must have 1 to " + MAX_SCOPE_LENGTH + " characters but was '" + scope + "'");
  }

  private static boolean scopeLength(String s) {
    return !s.isEmpty() && s.length() <= MAX_SCOPE_LENGTH;
  }

  /** Whether {@code s} is a tier: not {@linkplain String#isBlank() blank}. */
  public static boolean isTier(String s) {
    return !s.isBlank();
  }

  /**
   * Checks a tier.
   *
   * @param subject what the message calls the value, such as {@code "agent tier:"}
   * @return {@code tier}
   * @throws IllegalArgumentException {@code "<subject> must not be blank"}
   */
  public static String checkTier(String subject, String tier) {
    if (isTier(tier)) {
      return tier;
    }
    throw new IllegalArgumentException(subject + " must not be blank");
  }

  /** Checks an HTTP token (RFC 9110) of 1 to 128 characters, such as a header name. */
  static String httpToken(String what, String value) {
    if (value.isEmpty() || value.length() > 128) {
      throw new IllegalArgumentException(
          what + ": must have 1 to 128 characters but was '" + value + "'");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        throw new IllegalArgumentException(
            what + ": must be an HTTP token but was '" + value + "'");
      }
    }
    return value;
  }

  /**
   * Checks an HTTP method: an HTTP token (RFC 9110) of 1 to 128 characters, such as {@code GET}.
   *
   * @param subject what the message calls the value
   * @return {@code method}
   * @throws IllegalArgumentException naming {@code subject} and the value if it is not a token
   */
  public static String checkMethod(String subject, String method) {
    return httpToken(subject, method);
  }

  /**
   * Whether {@code pattern} is a servlet URL pattern, as routes are keyed: {@code /exact} (no {@code *}),
   * {@code /prefix/*}, {@code *.ext} (no {@code /}) or {@code /} (every path).
   */
  public static boolean isRoutePattern(String pattern) {
    int star = pattern.indexOf('*');
    if (pattern.equals("/")) {
      return true;
    }
    if (pattern.startsWith("/") && pattern.endsWith("/*") && star == pattern.length() - 1) {
      return true;
    }
    if (pattern.startsWith("*.") && pattern.length() > 2 && pattern.indexOf('/') < 0
        && pattern.indexOf('*', 1) < 0) {
      return true;
    }
    return pattern.startsWith("/") && star < 0;
  }

  /**
   * Checks a route pattern ({@link #isRoutePattern}).
   *
   * @return {@code pattern}
   * @throws IllegalArgumentException {@code "<subject> pattern '<pattern>' is not a servlet URL pattern
   *     (/exact, /prefix/*, *.ext or /)"}
   */
  public static String checkRoutePattern(String subject, String pattern) {
    if (isRoutePattern(pattern)) {
      return pattern;
    }
    throw new IllegalArgumentException(
        subject + " pattern '" + pattern + "' is not a servlet URL pattern (/exact, /prefix/*, *.ext or /)");
  }
}
