package dev.agentlimiter.core.config;

/** JSON pointers (RFC 6901) of a policy file's fields. */
final class Pointer {

  private Pointer() {}

  /** One reference token: {@code ~} as {@code ~0}, {@code /} as {@code ~1}. */
  static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

  /** The pointer as shown: {@code /} for the document itself. */
  static String display(String path) {
    return path.isEmpty() ? "/" : path;
  }
}
