package dev.agentlimiter.api;

import java.time.Instant;
import java.util.Objects;

/**
 * The configuration a limiter runs now ({@link LimiterAdmin#configuration()}).
 *
 * @param generation its generation: 1 for the configuration the limiter was built with, one more for each
 *     configuration applied since; never goes down
 * @param origin where it came from: {@code "builder"}, a policy file's path, or the origin given to {@link
 *     LimiterAdmin#apply}
 * @param appliedAt when it was applied
 * @param policies what was applied over the builder's configuration ({@link PolicySet#empty()} for
 *     generation 1)
 * @param effective the configuration in force: the builder's with {@code policies} over it by name
 */
public record AppliedConfiguration(
    long generation, String origin, Instant appliedAt, PolicySet policies, PolicySet effective) {

  public AppliedConfiguration {
    if (generation < 1) {
      throw new IllegalArgumentException("generation must be >= 1 but was " + generation);
    }
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(appliedAt, "appliedAt");
    Objects.requireNonNull(policies, "policies");
    Objects.requireNonNull(effective, "effective");
  }
}
