package dev.agentlimiter.core.internal.state;

import com.github.benmanes.caffeine.cache.Expiry;

/**
 * Caffeine expiry for detector state that must outlive its idle time (a quarantine, a drawn budget): every
 * write sets the entry's lifetime from the value; reads never extend it, because every change is a write.
 */
public final class KeepExpiry<V> implements Expiry<ScopedKey, V> {

  /** How long an entry must be kept from {@code engineNanos}, in nanos, at least 1. */
  public interface KeepTime<V> {
    long keepNanos(V value, long engineNanos);
  }

  private final KeepTime<V> keep;

  public KeepExpiry(KeepTime<V> keep) {
    this.keep = keep;
  }

  @Override
  public long expireAfterCreate(ScopedKey key, V value, long now) {
    return keep.keepNanos(value, now);
  }

  @Override
  public long expireAfterUpdate(ScopedKey key, V value, long now, long currentDuration) {
    return keep.keepNanos(value, now);
  }

  @Override
  public long expireAfterRead(ScopedKey key, V value, long now, long currentDuration) {
    return currentDuration;
  }
}
