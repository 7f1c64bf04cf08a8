package dev.agentlimiter.core;

import dev.agentlimiter.api.TimeSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock the test moves by hand. Thread-safe. */
public final class FakeTimeSource implements TimeSource {

  private final AtomicLong nanos;

  public FakeTimeSource(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  public FakeTimeSource() {
    this(0);
  }

  @Override
  public long read() {
    return nanos.get();
  }

  /** Moves the clock; wraps around like {@link System#nanoTime()}. */
  public void advance(Duration duration) {
    advanceNanos(duration.toNanos());
  }

  public void advanceNanos(long delta) {
    nanos.addAndGet(delta);
  }
}
