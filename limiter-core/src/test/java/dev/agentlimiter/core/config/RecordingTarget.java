package dev.agentlimiter.core.config;

import dev.agentlimiter.api.AppliedConfiguration;
import dev.agentlimiter.api.PolicySet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A target that records what it was given: the capacity of each set applied (see {@link CapacityReader}),
 * each refusal's origin and error. It refuses (throws IllegalArgumentException from {@code apply}, as the
 * engine does) the capacities it was told to, and can be made to throw from {@code refused}.
 */
final class RecordingTarget implements PolicyFileWatcher.Target {

  private final List<Long> applied = new ArrayList<>(); // guarded by this
  private final List<String> origins = new ArrayList<>(); // guarded by this
  private final List<String> errors = new ArrayList<>(); // guarded by this
  private final Set<Long> refusedCapacities = ConcurrentHashMap.newKeySet();
  private volatile boolean failRefused;
  private long generation;

  /** Makes {@code apply} refuse a set of this capacity. */
  RecordingTarget refuse(long capacity) {
    refusedCapacities.add(capacity);
    return this;
  }

  /** Makes {@code refused} throw (after recording). */
  void failRefused() {
    failRefused = true;
  }

  @Override
  public synchronized AppliedConfiguration apply(PolicySet set, String origin) {
    long capacity = CapacityReader.capacityOf(set);
    if (refusedCapacities.contains(capacity)) {
      throw new IllegalArgumentException("route GET /x: policy 'q' is not defined; defined: [p]");
    }
    applied.add(capacity);
    origins.add(origin);
    generation++;
    return new AppliedConfiguration(generation + 1, origin, Instant.now(), set, set);
  }

  @Override
  public void refused(String origin, String error) {
    synchronized (this) {
      origins.add(origin);
      errors.add(error);
    }
    if (failRefused) {
      throw new IllegalStateException("a listener's bug");
    }
  }

  /** The capacities applied, in order. */
  synchronized List<Long> applied() {
    return new ArrayList<>(applied);
  }

  /** The errors of {@code refused}, in order. */
  synchronized List<String> errors() {
    return new ArrayList<>(errors);
  }

  /** The origin of every call, in order. */
  synchronized List<String> origins() {
    return new ArrayList<>(origins);
  }
}
