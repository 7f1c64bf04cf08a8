package dev.agentlimiter.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A new configuration was applied to a limiter, or refused, delivered to {@link
 * LimiterListener#onConfiguration}: by a policy file's reload, or by {@link LimiterAdmin#apply}.
 *
 * @param time when it was applied or refused
 * @param applied whether it was applied; a refused configuration changed nothing
 * @param generation the generation now running: the new one if applied, the one kept if refused
 * @param origin where the configuration came from, such as the policy file's path or {@code "admin"}
 * @param error why it was refused, with the file, line, column and field of each problem; empty if applied
 */
public record ConfigurationEvent(
    Instant time, boolean applied, long generation, String origin, Optional<String> error) {

  public ConfigurationEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(error, "error");
    if (applied == error.isPresent()) {
      throw new IllegalArgumentException(
          "configuration event: an applied configuration has no error, a refused one has one");
    }
  }
}
