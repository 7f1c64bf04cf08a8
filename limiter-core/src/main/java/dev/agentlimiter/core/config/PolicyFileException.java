package dev.agentlimiter.core.config;

import java.util.List;

/**
 * A policy file that was refused, with every problem found in it: all the semantic problems of a file are
 * reported at once; a syntax error stops the reading where it is, so it is reported alone (with any found
 * before it). {@link #getMessage()} lists the problems one per line, each as {@code file:line:column:
 * /path: message}.
 */
public final class PolicyFileException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  @SuppressWarnings("serial") // an immutable List.copyOf of records of strings and ints
  private final List<PolicyFileProblem> problems;

  PolicyFileException(List<PolicyFileProblem> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /** The problems, at least one, in the order of the file. */
  public List<PolicyFileProblem> problems() {
    return problems;
  }

  private static String message(List<PolicyFileProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a refused policy file has at least one problem");
    }
    StringBuilder sb = new StringBuilder();
    for (PolicyFileProblem p : problems) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(p);
    }
    return sb.toString();
  }
}
