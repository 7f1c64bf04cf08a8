package dev.agentlimiter.core.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The problems found in one file so far. Not thread-safe. */
final class Problems {

  /** Thrown to stop reading where the document cannot be read on (a syntax error, a limit). */
  static final class Stop extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Stop() {
      super(null, null, false, false);
    }
  }

  private final String source;
  private final List<PolicyFileProblem> found = new ArrayList<>();

  Problems(String source) {
    this.source = source;
  }

  void add(int line, int column, String path, String message) {
    found.add(new PolicyFileProblem(source, Math.max(line, 1), Math.max(column, 1), path, message));
  }

  void add(Node at, String path, String message) {
    add(at.line(), at.column(), path, message);
  }

  /** Adds the problem and stops reading. */
  Stop stop(int line, int column, String path, String message) {
    add(line, column, path, message);
    return new Stop();
  }

  int count() {
    return found.size();
  }

  String source() {
    return source;
  }

  /** Throws every problem found, in file order, if there is any. */
  void throwIfAny() {
    if (!found.isEmpty()) {
      List<PolicyFileProblem> sorted = new ArrayList<>(found);
      sorted.sort(
          Comparator.comparingInt(PolicyFileProblem::line).thenComparingInt(PolicyFileProblem::column));
      throw new PolicyFileException(sorted);
    }
  }
}
