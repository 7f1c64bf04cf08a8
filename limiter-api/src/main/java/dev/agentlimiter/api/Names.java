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
}
