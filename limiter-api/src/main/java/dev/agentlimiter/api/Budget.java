package dev.agentlimiter.api;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A cost budget whose cost is known only after the request (LLM tokens, money, rows exported). Before a
 * request the engine reserves the request's {@linkplain AgentRequest#withEstimate estimate}; the actual
 * cost reported through {@link Outcome#withActualCost} settles it (a refund or an extra charge). A request
 * is admitted while the agent's balance is positive, so the one request that crosses the budget completes
 * (a soft cap) and the next is refused with {@link Reason#RATE_LIMITED} until the reset. A balance may go
 * into debt; debt is carried into the next period, unused budget is not. A settlement that arrives after
 * its period has ended still charges an extra cost (as debt), but refunds only the debt that period carried
 * into the new one, so no period admits more than its amount plus the one crossing request. Debt is capped
 * at 100 periods' amount.
 *
 * <p>Periods are fixed and in UTC: calendar days, calendar months, or fixed intervals counted from the
 * epoch. Policies naming the same budget draw from one balance per agent (linked budgets, for example an
 * agent's inbound lane and the egress calls made on its behalf); they must configure it identically.
 *
 * <p>Immutable and thread-safe; equal when every setting is equal. <b>New settings may be added, with
 * defaults, in a minor release</b>, so build a budget only through {@link #named}.
 *
 * <pre>{@code
 * Budget tokens = Budget.named("llm-tokens").amount(2_000_000).perDay();
 * }</pre>
 */
public final class Budget {

  /** How a budget's periods are cut. */
  public enum Reset {
    /** At midnight UTC. */
    DAILY,
    /** At midnight UTC on the first day of each month. */
    MONTHLY,
    /** Every {@link Budget#interval()}, counted from 1970-01-01T00:00Z. */
    FIXED
  }

  private final String name;
  private final long amount;
  private final Reset reset;
  private final Duration interval;

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the field, if a value is out of range
   */
  Budget(String name, long amount, Reset reset, Duration interval) {
    Grammar.checkName("budget: name", name);
    Checks.between("budget '" + name + "': amount", amount, 1, 1_000_000_000_000_000L);
    Objects.requireNonNull(reset, "reset");
    Checks.positive("budget '" + name + "': interval", interval, Duration.ofDays(366));
    if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "budget '" + name + "': interval must be >= 1 second but was " + interval);
    }
    if ((reset == Reset.DAILY && !interval.equals(Duration.ofDays(1)))
        || (reset == Reset.MONTHLY && !interval.equals(Duration.ofDays(31)))) {
      throw new IllegalArgumentException(
          "budget '" + name + "': interval of a " + reset + " budget is fixed, but was " + interval);
    }
    this.name = name;
    this.amount = amount;
    this.reset = reset;
    this.interval = interval;
  }

  /** Starts a budget. */
  public static Amount named(String name) {
    return new Amount(Grammar.checkName("budget: name", name));
  }

  /** The budget's name, shared by linked policies. */
  public String name() {
    return name;
  }

  /** The budget per period, 1 to 10^15. */
  public long amount() {
    return amount;
  }

  /** How periods are cut. */
  public Reset reset() {
    return reset;
  }

  /**
   * The period length for {@link Reset#FIXED}; {@code P1D} for daily, {@code P31D} (the longest month) for
   * monthly.
   */
  public Duration interval() {
    return interval;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof Budget other
        && name.equals(other.name)
        && amount == other.amount
        && reset == other.reset
        && interval.equals(other.interval);
  }

  /** The hash a record of the same components would have. */
  @Override
  public int hashCode() {
    int h = name.hashCode();
    h = 31 * h + Long.hashCode(amount);
    h = 31 * h + reset.hashCode();
    return 31 * h + interval.hashCode();
  }

  /** {@code Budget[name=llm-tokens, amount=2000000, reset=DAILY, interval=PT24H]}. */
  @Override
  public String toString() {
    return "Budget[name="
        + name
        + ", amount="
        + amount
        + ", reset="
        + reset
        + ", interval="
        + interval
        + "]";
  }

  /** The second stage of {@link Budget#named}. */
  public static final class Amount {
    private final String name;

    private Amount(String name) {
      this.name = name;
    }

    /** Sets the amount per period. */
    public Period amount(long perPeriod) {
      Checks.between("budget '" + name + "': amount", perPeriod, 1, 1_000_000_000_000_000L);
      return new Period(name, perPeriod);
    }
  }

  /** The last stage of {@link Budget#named}: how the budget resets. */
  public static final class Period {
    private final String name;
    private final long amount;

    private Period(String name, long amount) {
      this.name = name;
      this.amount = amount;
    }

    /** Resets at midnight UTC. */
    public Budget perDay() {
      return new Budget(name, amount, Reset.DAILY, Duration.ofDays(1));
    }

    /** Resets at midnight UTC on the first of each month. */
    public Budget perMonth() {
      return new Budget(name, amount, Reset.MONTHLY, Duration.ofDays(31));
    }

    /** Resets every {@code interval}, counted from the epoch in UTC (1 second to 366 days). */
    public Budget every(Duration interval) {
      return new Budget(name, amount, Reset.FIXED, interval);
    }
  }
}
