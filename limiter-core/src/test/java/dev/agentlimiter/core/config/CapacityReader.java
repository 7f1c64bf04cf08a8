package dev.agentlimiter.core.config;

import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reader of a tiny format of the tests' own: {@code capacity=N} is a set of one policy {@code p} of
 * capacity N; {@code boom} throws a {@link NullPointerException} (a reader's bug); anything else throws
 * {@code IllegalArgumentException("<file>:1:1: /capacity: bad")}. Records every content it read.
 */
final class CapacityReader implements PolicyFileWatcher.Reader {

  private static final Pattern VALID = Pattern.compile("capacity=(\\d{1,9})\\s*");

  private final List<String> seen = new ArrayList<>(); // guarded by this

  /** The capacity of the one policy of {@code set}. */
  static long capacityOf(PolicySet set) {
    return set.policy("p").orElseThrow().limits().get(0).capacity();
  }

  @Override
  public PolicySet read(Path file) {
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    synchronized (this) {
      seen.add(content);
    }
    if (content.equals("boom")) {
      throw new NullPointerException("a reader's bug");
    }
    Matcher m = VALID.matcher(content);
    if (!m.matches()) {
      throw new IllegalArgumentException(file + ":1:1: /capacity: bad");
    }
    long n = Long.parseLong(m.group(1));
    return PolicySet.builder()
        .policy(Policy.named("p").limit(Limit.capacity(n).refill(n).per(Duration.ofSeconds(1))).build())
        .build();
  }

  /** Every content read, in order. */
  synchronized List<String> seen() {
    return new ArrayList<>(seen);
  }
}
