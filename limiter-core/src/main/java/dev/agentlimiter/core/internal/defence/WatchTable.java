package dev.agentlimiter.core.internal.defence;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.agentlimiter.core.internal.engine.BoundPolicy;
import dev.agentlimiter.core.internal.state.EngineClock;
import dev.agentlimiter.core.internal.state.ScopedKey;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Per (policy, agent) detector state in one bounded Caffeine cache: at most {@code maximum} entries, each
 * dropped after the idle expiry, maintenance on the calling thread. Losing an entry forgets loops, a burst
 * baseline and a lowered reputation; see {@code docs/threat-defences.md}.
 */
public final class WatchTable {

  private final Cache<ScopedKey, AgentWatch> cache;

  public WatchTable(EngineClock clock, long maximum, Duration idle) {
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maximum)
            .expireAfterAccess(idle)
            .ticker(clock::cacheNow)
            .executor(Runnable::run)
            .build();
  }

  public AgentWatch get(BoundPolicy b, String agentId, long now) {
    return get(b, new ScopedKey(b.id, agentId), now);
  }

  public AgentWatch get(BoundPolicy b, ScopedKey key, long now) {
    AgentWatch w = cache.getIfPresent(key);
    return w != null ? w : cache.get(key, k -> new AgentWatch(b, now));
  }

  public @Nullable AgentWatch getIfPresent(BoundPolicy b, String agentId) {
    return cache.getIfPresent(new ScopedKey(b.id, agentId));
  }

  public void forget(BoundPolicy b, String agentId) {
    cache.invalidate(new ScopedKey(b.id, agentId));
  }

  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }
}
