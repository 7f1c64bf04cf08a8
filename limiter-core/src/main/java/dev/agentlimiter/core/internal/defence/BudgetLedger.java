package dev.agentlimiter.core.internal.defence;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.core.internal.state.AgentKey;
import dev.agentlimiter.core.internal.state.EngineClock;
import dev.agentlimiter.core.internal.state.EvictionLedger;
import dev.agentlimiter.core.internal.state.KeepExpiry;
import dev.agentlimiter.core.internal.state.ScopedKey;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Balances of cost budgets per (budget, agent), in one bounded Caffeine cache. A balance that has been
 * drawn on is kept at least until it is positive again; if it is evicted sooner (the cache is full), a
 * fixed-size table per budget remembers it, so <b>eviction never refills a budget</b>: a returning agent
 * starts no richer than it left. Two agents sharing a slot can only make a newcomer poorer.
 *
 * <p>Accounting, per balance: a reservation subtracts the estimate if the balance is positive; a settlement
 * subtracts {@code actual - estimate}; at each period boundary the balance becomes {@code min(amount,
 * balance + amount)} (debt is carried, unused budget is not). A settlement that arrives after its period
 * ended charges extra costs to the new period (as debt) but refunds only the debt carried over, so the new
 * period never gets more than its amount. Thread-safe: each balance is guarded by its own monitor.
 */
public final class BudgetLedger {

  static final long DAY_NANOS = 86_400_000_000_000L;

  /** Indexes of the {@code out} array of {@link #reserve} and {@link #settle}: the balance after. */
  public static final int BALANCE = 0;
  /** Nanos until the period ends. */
  public static final int PERIOD_LEFT = 1;
  /** Nanos until a refused balance is positive again (reserve only). */
  public static final int POSITIVE_IN = 2;
  /** 1 if this call took the balance from positive to zero or below. */
  public static final int CROSSED = 3;
  /** The length of the {@code out} array. */
  public static final int OUT_LENGTH = 4;

  private final EngineClock clock;
  private final Cache<ScopedKey, Balance> cache;
  private final int rememberedSlots;
  private final long salt = ThreadLocalRandom.current().nextLong();
  private final ConcurrentHashMap<Integer, Remembered> remembered = new ConcurrentHashMap<>();

  public BudgetLedger(EngineClock clock, long maximum, Duration idle) {
    this.clock = clock;
    this.rememberedSlots = EvictionLedger.slotsFor(maximum);
    long idleNanos = idle.toNanos();
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maximum)
            .expireAfter(new KeepExpiry<Balance>((b, now) -> b.keepNanos(epoch(now), idleNanos)))
            .ticker(clock::cacheNow)
            .executor(Runnable::run)
            .evictionListener(this::onEviction)
            .build();
  }

  /**
   * Balances that were evicted while drawn on, per budget, in hashed slots: a (period, balance) pair each,
   * merged to the poorer when two agents share a slot. Guarded by its own monitor.
   */
  private static final class Remembered {
    final long[] period;
    final long[] balance;

    Remembered(int slots) {
      period = new long[slots];
      balance = new long[slots];
      Arrays.fill(period, Long.MIN_VALUE);
    }
  }

  private int slot(ScopedKey key) {
    long h = AgentKey.idHash(key.id, salt);
    return (int) h & (rememberedSlots - 1);
  }

  /**
   * Eviction is not a refill: a balance below its amount is remembered, so the agent's next request
   * starts no richer than it left. Runs inside Caffeine's atomic removal of the entry.
   */
  private void onEviction(@Nullable ScopedKey key, @Nullable Balance b, RemovalCause cause) {
    if (key == null || b == null || !cause.wasEvicted()) {
      return;
    }
    long period;
    long balance;
    synchronized (b) {
      b.roll(epoch(clock.now()));
      if (b.balance >= b.budget.amount()) {
        return;
      }
      period = b.period;
      balance = b.balance;
    }
    Remembered r = remembered.computeIfAbsent(key.scope, s -> new Remembered(rememberedSlots));
    int slot = slot(key);
    synchronized (r) {
      long p = r.period[slot];
      if (p == Long.MIN_VALUE) {
        r.period[slot] = period;
        r.balance[slot] = balance;
        return;
      }
      long newer = Math.max(p, period);
      long amount = b.budget.amount();
      r.balance[slot] =
          Math.min(rolled(r.balance[slot], newer - p, amount), rolled(balance, newer - period, amount));
      r.period[slot] = newer;
    }
  }

  /** A new balance for {@code key}, no richer than a remembered one. */
  private Balance fresh(ScopedKey key, Budget budget, long epochNow) {
    Balance b = new Balance(budget, epochNow);
    Remembered r = remembered.get(key.scope);
    if (r == null) {
      return b;
    }
    int slot = slot(key);
    synchronized (r) {
      long p = r.period[slot];
      if (p != Long.MIN_VALUE && p <= b.period) {
        b.balance = Math.min(b.balance, rolled(r.balance[slot], b.period - p, budget.amount()));
      }
    }
    return b;
  }

  /** {@code balance} after {@code elapsed} period boundaries: debt carried, unused budget not. */
  static long rolled(long balance, long elapsed, long amount) {
    if (elapsed <= 0) {
      return balance;
    }
    long needed = balance >= 0 ? 1 : -balance / amount + 2;
    return elapsed >= needed ? amount : Math.min(amount, balance + elapsed * amount);
  }

  long epoch(long engineNanos) {
    return clock.epochNanos(engineNanos);
  }

  /** A reservation to settle later. */
  public record Reservation(ScopedKey key, Budget budget, long period, long estimate) {}

  /**
   * Reserves {@code estimate} if the balance is positive. Writes the balance after the decision, the nanos
   * until the period ends and, if refused, the nanos until the balance is positive again into {@code out}.
   *
   * @return the reservation, or {@code null} if refused
   */
  public @Nullable Reservation reserve(
      int scope, String agentId, Budget budget, long estimate, long now, long[] out) {
    ScopedKey key = new ScopedKey(scope, agentId);
    long epochNow = epoch(now);
    Balance b = cache.get(key, k -> fresh(k, budget, epochNow));
    Reservation r = null;
    synchronized (b) {
      b.roll(epochNow);
      long before = b.balance;
      if (before > 0) {
        b.balance = Math.max(b.floor(), before - estimate);
        r = new Reservation(key, budget, b.period, estimate);
      }
      out[BALANCE] = b.balance;
      out[PERIOD_LEFT] = b.periodEnd - epochNow;
      out[POSITIVE_IN] = b.balance > 0 ? 0 : b.positiveAt() - epochNow;
      out[CROSSED] = before > 0 && b.balance <= 0 ? 1 : 0;
    }
    if (r != null && estimate > 0) {
      cache.put(key, b); // re-evaluates expiry: a drawn balance lives to the period's end
    }
    return r;
  }

  /**
   * Settles a reservation with the actual cost. Writes the balance after and the nanos until the period
   * ends into {@code out}, and {@code out[3] = 1} if this settlement exhausted the budget.
   */
  public void settle(Reservation r, long actual, long now, long[] out) {
    long epochNow = epoch(now);
    Balance b = cache.get(r.key(), k -> fresh(k, r.budget(), epochNow));
    synchronized (b) {
      b.roll(epochNow);
      long before = b.balance;
      long delta = actual - r.estimate();
      if (r.period() == b.period || delta > 0) {
        // an extra charge after the reset is debt carried on, down to the floor
        b.balance = Math.max(b.floor(), before - delta);
      } else {
        // a refund after the reset only repays the debt its period carried into this one
        long credit = Math.min(-delta, b.carried);
        b.carried -= credit;
        b.balance = before + credit;
      }
      out[BALANCE] = b.balance;
      out[PERIOD_LEFT] = b.periodEnd - epochNow;
      out[CROSSED] = before > 0 && b.balance <= 0 ? 1 : 0;
    }
    cache.put(r.key(), b);
  }

  /** The balance now: the tracked one, else what a new request would start from. Tracks nothing. */
  public long balance(int scope, String agentId, Budget budget, long now) {
    ScopedKey key = new ScopedKey(scope, agentId);
    Balance b = cache.getIfPresent(key);
    if (b == null) {
      return fresh(key, budget, epoch(now)).balance;
    }
    synchronized (b) {
      b.roll(epoch(now));
      return b.balance;
    }
  }

  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** Index of the period containing {@code epochNanos}. */
  static long periodOf(Budget budget, long epochNanos) {
    switch (budget.reset()) {
      case DAILY:
        return Math.floorDiv(epochNanos, DAY_NANOS);
      case MONTHLY:
        ZonedDateTime t =
            Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L)).atZone(ZoneOffset.UTC);
        return t.getYear() * 12L + t.getMonthValue() - 1;
      case FIXED:
      default:
        return Math.floorDiv(epochNanos, budget.interval().toNanos());
    }
  }

  /** Epoch nanos at which period {@code index} starts. */
  static long startOf(Budget budget, long index) {
    switch (budget.reset()) {
      case DAILY:
        return index * DAY_NANOS;
      case MONTHLY:
        LocalDate first = LocalDate.of((int) Math.floorDiv(index, 12), Math.floorMod(index, 12) + 1, 1);
        return first.atStartOfDay(ZoneOffset.UTC).toEpochSecond() * 1_000_000_000L;
      case FIXED:
      default:
        return index * budget.interval().toNanos();
    }
  }

  /** One agent's balance in one budget. */
  static final class Balance {
    final Budget budget;
    long period;
    long periodEnd;
    long balance;
    /** Debt carried into this period from earlier ones, which late refunds may repay. */
    long carried;

    Balance(Budget budget, long epochNow) {
      this.budget = budget;
      this.period = periodOf(budget, epochNow);
      this.periodEnd = startOf(budget, period + 1);
      this.balance = budget.amount();
    }

    /** Moves to the period containing {@code epochNow}; time running backwards changes nothing. */
    void roll(long epochNow) {
      if (epochNow < periodEnd) {
        return;
      }
      long index = periodOf(budget, epochNow);
      long amount = budget.amount();
      long before = balance;
      balance = rolled(balance, index - period, amount);
      carried = before < 0 ? amount - balance : 0;
      period = index;
      periodEnd = startOf(budget, index + 1);
    }

    /**
     * The lowest balance: {@value #MAX_DEBT_PERIODS} periods of debt. Beyond that, more debt would not
     * change anything an agent can observe for years, and it keeps every period index and time in range.
     */
    long floor() {
      return -MAX_DEBT_PERIODS * budget.amount();
    }

    static final long MAX_DEBT_PERIODS = 100;

    /** Epoch nanos at which a non-positive balance is positive again. */
    long positiveAt() {
      long periods = -balance / budget.amount() + 1;
      return startOf(budget, period + periods);
    }

    synchronized long keepNanos(long epochNow, long idleNanos) {
      if (balance >= budget.amount()) {
        return idleNanos;
      }
      return Math.max(idleNanos, positiveAt() - epochNow + idleNanos);
    }
  }
}
