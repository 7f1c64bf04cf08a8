package dev.agentlimiter.core.config;

import java.util.Objects;

/**
 * One problem of a policy file: where it is and what would be valid.
 *
 * @param source the file's name or path, as given to {@link PolicyFiles}
 * @param line 1-based line of the problem
 * @param column 1-based column of the problem
 * @param path the JSON pointer (RFC 6901) of the field, such as {@code /policies/search/limits/0/refill};
 *     {@code /} for the document itself
 * @param message what is wrong and what would be valid, such as {@code must be > 0 but was 0}
 */
public record PolicyFileProblem(String source, int line, int column, String path, String message) {

  /** Checks that nothing is null. */
  public PolicyFileProblem {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  /** {@code file:line:column: /path: message}, the form compilers use, so editors can jump to it. */
  @Override
  public String toString() {
    return source + ":" + line + ":" + column + ": " + path + ": " + message;
  }
}
