package dev.agentlimiter.core.internal.defence;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.QuarantineStatus;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.core.internal.engine.BoundPolicy;
import dev.agentlimiter.core.internal.state.AgentKey;
import dev.agentlimiter.core.internal.state.EngineClock;
import dev.agentlimiter.core.internal.state.EvictionLedger;
import dev.agentlimiter.core.internal.state.KeepExpiry;
import dev.agentlimiter.core.internal.state.ScopedKey;
import dev.agentlimiter.core.internal.state.StateKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * The penalty boxes of all lanes: per (lane, agent), the recent refusals and the quarantine. Bounded like
 * the buckets (maximum entries, same-thread maintenance); an entry is kept at least until its quarantine
 * and the decay of its level are over, or until it has been idle for the idle expiry, whichever is later.
 * <b>Eviction is not a release:</b> an entry evicted for size while quarantined or decaying is remembered
 * in a fixed table and put back when its agent returns. Thread-safe: each entry is guarded by its own
 * monitor.
 */
public final class PenaltyBox {

  private final EngineClock clock;
  private final IntFunction<String> laneNames;
  private final IntFunction<String> policyNames;
  private final Cache<ScopedKey, Offences> cache;

  // Eviction is not a release: quarantined (or still decaying) entries evicted for size are remembered
  // in hashed slots of MEMORY_FIELDS longs: a tag identifying the (lane, agent), then the record. A slot
  // is recalled only by the tag's owner, so a collision can forget a record but never box an innocent.
  private static final int MEMORY_FIELDS = 5;
  private static final int TAG = 0;
  private static final int UNTIL = 1;
  private static final int LAST_END = 2;
  private static final int DECAY = 3;
  private static final int LEVEL_AND_CAUSE = 4;
  /** The refusals that count as offences, by their code in the memory. */
  private static final Reason[] CAUSES = {
    Reason.RATE_LIMITED, Reason.LOOP_DETECTED, Reason.CONCURRENCY_LIMITED, Reason.QUARANTINED
  };

  private static int causeCode(Reason cause) {
    for (int i = 0; i < CAUSES.length; i++) {
      if (CAUSES[i] == cause) {
        return i;
      }
    }
    return 0;
  }

  private final AtomicLongArray memory;
  private final int memoryMask;
  private final long salt = ThreadLocalRandom.current().nextLong();
  private volatile boolean remembering;

  /**
   * @param laneNames the lane of each lane number
   * @param policyNames the name of each policy number ({@link BoundPolicy#id})
   */
  public PenaltyBox(
      EngineClock clock,
      long maximum,
      Duration idle,
      IntFunction<String> laneNames,
      IntFunction<String> policyNames) {
    this.clock = clock;
    this.laneNames = laneNames;
    this.policyNames = policyNames;
    int slots = EvictionLedger.slotsFor(maximum);
    this.memory = new AtomicLongArray(slots * MEMORY_FIELDS);
    this.memoryMask = slots - 1;
    long idleNanos = idle.toNanos();
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maximum)
            .expireAfter(new KeepExpiry<Offences>((o, now) -> o.keepNanos(now, idleNanos)))
            .ticker(clock::cacheNow)
            .executor(Runnable::run)
            .evictionListener(this::onEviction)
            .build();
  }

  private long hash(ScopedKey key) {
    return AgentKey.mix(AgentKey.idHash(key.id, salt) + key.scope);
  }

  /** Writers take the array's monitor; readers check the tag before and after reading the record. */
  private void onEviction(@Nullable ScopedKey key, @Nullable Offences o, RemovalCause cause) {
    if (key == null || o == null || cause != RemovalCause.SIZE) {
      return; // expiry only drops entries whose quarantine and decay are over
    }
    long now = clock.now();
    long until;
    long lastEnd;
    long decay;
    long levelAndCause;
    synchronized (o) {
      if (o.level == 0) {
        return; // never quarantined: only refusals counted, nothing to keep
      }
      until = o.until;
      lastEnd = o.lastEnd;
      decay = o.decayNanos;
      levelAndCause = o.level | ((long) causeCode(o.cause) << 8) | ((long) o.policy << 32);
    }
    long h = hash(key);
    long tag = h | 1;
    int at = ((int) (h >>> 32) & memoryMask) * MEMORY_FIELDS;
    synchronized (memory) {
      long other = memory.get(at + TAG);
      boolean later = now - memory.get(at + UNTIL) < now - until; // wrap-safe: ends later
      if (other != 0 && other != tag && !later) {
        return; // keep the record that keeps its agent boxed longer
      }
      memory.set(at + TAG, 0);
      memory.set(at + UNTIL, until);
      memory.set(at + LAST_END, lastEnd);
      memory.set(at + DECAY, decay);
      memory.set(at + LEVEL_AND_CAUSE, levelAndCause);
      memory.set(at + TAG, tag);
      remembering = true;
    }
  }

  /** The remembered record of {@code key}, removed from memory, or {@code null}. */
  private @Nullable Offences recall(ScopedKey key, int ring) {
    if (!remembering) {
      return null;
    }
    long h = hash(key);
    long tag = h | 1;
    int at = ((int) (h >>> 32) & memoryMask) * MEMORY_FIELDS;
    if (memory.get(at + TAG) != tag) {
      return null; // the common case: one volatile read
    }
    synchronized (memory) {
      if (memory.get(at + TAG) != tag) {
        return null;
      }
      Offences o = new Offences(ring);
      o.until = memory.get(at + UNTIL);
      o.lastEnd = memory.get(at + LAST_END);
      o.decayNanos = memory.get(at + DECAY);
      long levelAndCause = memory.get(at + LEVEL_AND_CAUSE);
      o.level = (int) (levelAndCause & 0xff);
      o.cause = CAUSES[(int) ((levelAndCause >>> 8) & 0xff)];
      o.policy = (int) (levelAndCause >>> 32);
      memory.set(at + TAG, 0); // back in the cache; an eviction writes it again
      return o;
    }
  }

  /** The tracked entry, or the remembered one put back in the cache, or {@code null}. */
  private @Nullable Offences find(ScopedKey key) {
    Offences o = cache.getIfPresent(key);
    if (o != null) {
      return o;
    }
    Offences recalled = recall(key, 2);
    if (recalled == null) {
      return null;
    }
    Offences raced = cache.asMap().putIfAbsent(key, recalled);
    return raced != null ? raced : recalled;
  }

  /**
   * Counts a refusal in the lane; quarantines the agent when it is the one too many, or at once for a
   * loop when the box says so.
   *
   * @return the event if the agent was quarantined now
   */
  public LimiterEvent.@Nullable Quarantined offence(
      int lane, String agentKey, int policy, Quarantine rule, Reason cause, long now) {
    ScopedKey key = new ScopedKey(lane, agentKey);
    Offences o =
        cache.get(
            key,
            k -> {
              Offences recalled = recall(k, rule.denials() + 1);
              return recalled != null ? recalled : new Offences(rule.denials() + 1);
            });
    LimiterEvent.Quarantined event = null;
    synchronized (o) {
      if (now < o.until) {
        return null; // already quarantined: refusals while boxed do not escalate
      }
      boolean trigger = cause == Reason.LOOP_DETECTED && rule.onLoop();
      if (!trigger) {
        trigger = o.countDenial(rule, now);
      }
      if (trigger) {
        o.policy = policy;
        event =
            o.quarantine(
                rule, cause, now, StateKeys.display(agentKey), laneNames.apply(lane), policyNames.apply(policy));
      }
    }
    cache.put(key, o); // a write: re-evaluates the entry's expiry (reads never extend it)
    return event;
  }

  /** Ends a quarantine now, keeping the level. */
  public boolean release(int lane, String agentId, long now) {
    Offences o = find(new ScopedKey(lane, agentId));
    if (o == null) {
      return false;
    }
    synchronized (o) {
      if (now >= o.until) {
        return false;
      }
      o.until = now;
      o.lastEnd = now;
      return true;
    }
  }

  /** The agent's quarantine in the lane now, or {@code null} if it is not quarantined. Creates no entry. */
  public @Nullable QuarantineStatus status(int lane, String agentKey, long now) {
    Offences o = find(new ScopedKey(lane, agentKey));
    return o == null ? null : o.status(StateKeys.display(agentKey), laneNames, lane, policyNames, now);
  }

  public List<QuarantineStatus> all() {
    List<QuarantineStatus> out = new ArrayList<>();
    forEachQuarantined((key, status) -> out.add(status));
    return out;
  }

  /**
   * Tells {@code action} of every agent quarantined now, with its state key (from which {@link
   * StateKeys#source} recovers its identity source), in no particular order.
   */
  public void forEachQuarantined(java.util.function.BiConsumer<String, QuarantineStatus> action) {
    long now = clock.now();
    for (Map.Entry<ScopedKey, Offences> e : cache.asMap().entrySet()) {
      QuarantineStatus s =
          e.getValue()
              .status(StateKeys.display(e.getKey().id), laneNames, e.getKey().scope, policyNames, now);
      if (s != null) {
        action.accept(e.getKey().id, s);
      }
    }
  }

  public boolean isEmpty() {
    return !remembering && cache.estimatedSize() == 0;
  }

  /** Whether the cache holds an entry for the agent now (tests). */
  public boolean isTracked(int lane, String agentId) {
    return cache.asMap().containsKey(new ScopedKey(lane, agentId));
  }

  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** One agent's record in one lane. */
  static final class Offences {
    /** Times of the most recent refusals, a ring. */
    private long[] denials;
    private int next;
    private int count;
    int level;
    long until = Long.MIN_VALUE;
    long lastEnd = Long.MIN_VALUE;
    long decayNanos;
    Reason cause = Reason.RATE_LIMITED;
    /** The number of the policy whose refusal put the agent in the box. */
    int policy;

    Offences(int ring) {
      denials = new long[ring];
    }


    /** Records a refusal; whether it is one more than the rule tolerates within its window. */
    boolean countDenial(Quarantine rule, long now) {
      int size = rule.denials() + 1;
      if (denials.length != size) {
        denials = new long[size];
        next = 0;
        count = 0;
      }
      denials[next] = now;
      next = (next + 1) % size;
      count = Math.min(size, count + 1);
      if (count < size) {
        return false;
      }
      long oldest = denials[next]; // the slot written size refusals ago
      return now - oldest < rule.within().toNanos();
    }

    LimiterEvent.Quarantined quarantine(
        Quarantine rule, Reason why, long now, String agentId, String lane, String policyName) {
      decayNanos = rule.decayAfter().toNanos();
      if (level > 0 && lastEnd != Long.MIN_VALUE && now > lastEnd) {
        long decays = (now - lastEnd) / decayNanos;
        level = (int) Math.max(0, level - Math.min(decays, level));
      }
      level = Math.min(level + 1, 62);
      long first = rule.duration().toNanos();
      long max = rule.maximum().toNanos();
      long nanos = first;
      for (int i = 1; i < level && nanos < max; i++) {
        nanos = nanos > max / 2 ? max : nanos * 2;
      }
      until = now + nanos;
      lastEnd = until;
      cause = why;
      count = 0;
      next = 0;
      return new LimiterEvent.Quarantined(
          agentId, lane, policyName, Duration.ofNanos(nanos), level, why);
    }

    public synchronized @Nullable QuarantineStatus status(
        String agentId, IntFunction<String> lanes, int lane, IntFunction<String> policies, long now) {
      if (now >= until) {
        return null;
      }
      return new QuarantineStatus(
          agentId, lanes.apply(lane), policies.apply(policy), Duration.ofNanos(until - now), level, cause);
    }

    /**
     * Keep at least while quarantined and while the level decays, and for the idle time after. Reads
     * without the lock (Caffeine calls it on every read); every change under the lock is followed by a
     * {@code put} that recomputes it.
     */
    long keepNanos(long now, long idleNanos) {
      long keep = idleNanos;
      if (level > 0 && lastEnd != Long.MIN_VALUE) {
        // at most 30 days to the end plus 62 levels of at most 30 days each: no overflow
        keep = Math.max(keep, lastEnd - now + level * decayNanos);
      }
      return Math.max(1, keep);
    }
  }
}
