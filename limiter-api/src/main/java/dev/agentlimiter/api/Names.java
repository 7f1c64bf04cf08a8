package dev.agentlimiter.api;

/** Validation of names that appear in HTTP headers and problem bodies. */
final class Names {

  static final int MAX_LENGTH = 64;

  private Names() {}

  /**
   * Checks that a policy, limit or lane name is 1 to 64 letters, digits, {@code '.'}, {@code '_'} or
   * {@code '-'}, so it can be written as a quoted header string without escaping.
   */
  static String check(String what, String name) {
    if (name.isEmpty() || name.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          what + ": name must have 1 to " + MAX_LENGTH + " characters but was '" + name + "'");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        throw new IllegalArgumentException(
            what
                + ": name may contain only letters, digits, '.', '_' and '-' but was '"
                + name
                + "'");
      }
    }
    return name;
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

  /** Checks an RFC 6749 scope token of 1 to 128 characters. */
  static String scope(String scope) {
    if (scope.isEmpty() || scope.length() > 128) {
      throw new IllegalArgumentException(
          "scope: must have 1 to 128 characters but was '" + scope + "'");
    }
    for (int i = 0; i < scope.length(); i++) {
      char c = scope.charAt(i);
      if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
        throw new IllegalArgumentException(
            "scope: must be printable ASCII without spaces, quotes or backslashes but was '"
                + scope
                + "'");
      }
    }
    return scope;
  }
}
