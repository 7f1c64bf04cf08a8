package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Reserve-then-settle budgets. The model below is the accounting rule of {@link Budget}'s Javadoc, written
 * independently: reserve the estimate while the balance is positive; settle {@code actual - estimate}
 * (debt capped at 100 periods' amount); at
 * each boundary {@code balance = min(amount, balance + amount)} per elapsed period; a settlement after the
 * reset charges extra cost to the new period but refunds only the debt carried into it.
 */
class BudgetProperties {

  private static final long AMOUNT = 100;
  private static final Duration PERIOD = Duration.ofSeconds(10);
  private static final AgentIdentity AGENT = AgentIdentity.of("agent", IdentitySource.API_KEY);

  /** kind 0 reserve, 1 settle an open one, 2 settle it again (double end), 3 advance. */
  record Step(int kind, long amount, int pick, long millis) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.longs().between(0, 2 * AMOUNT),
            Arbitraries.integers().between(0, 100),
            Arbitraries.longs().between(0, 25_000))
        .as(Step::new)
        .list()
        .ofMaxSize(100);
  }

  private static final class Request {
    final Admission admission;
    final long period;
    final long estimate;
    long charge;
    boolean settled;

    Request(Admission admission, long period, long estimate) {
      this.admission = admission;
      this.period = period;
      this.estimate = estimate;
      this.charge = estimate;
    }
  }

  /**
   * Under any interleaving of reservations, settlements (also repeated ones) and resets, the balance equals
   * the model's after every step (nothing lost, nothing counted twice), a request is admitted exactly when
   * the model's balance is positive, and a refusal names the exact wait until the balance is positive. When
   * actual costs never exceed estimates, each period's charges stay within the budget plus the one
   * crossing request.
   */
  @Property(tries = 1000)
  void reserveThenSettleMatchesTheModel(
      @ForAll("steps") List<Step> steps, @ForAll boolean actualWithinEstimate) {
    FakeTimeSource clock = new FakeTimeSource(1_000);
    // 3 s before a period boundary of the epoch-aligned 10 s periods
    Clock wall = Clock.fixed(Instant.ofEpochSecond(1_700_000_007L), ZoneOffset.UTC);
    RecordingListener listener = new RecordingListener();
    Policy policy =
        Policy.named("llm")
            .limit(Limit.capacity(1_000_000).refill(1_000_000).per(Duration.ofSeconds(1)))
            .budget(Budget.named("tokens").amount(AMOUNT).every(PERIOD))
            .build();
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(clock)
            .wallClock(wall)
            .listener(listener)
            .policy(policy)
            .build();
    long epochMillis = 1_700_000_007_000L;
    long period = epochMillis / PERIOD.toMillis();
    long balance = AMOUNT;
    long carried = 0;
    List<Request> open = new ArrayList<>();
    List<Request> admitted = new ArrayList<>();
    for (Step s : steps) {
      switch (s.kind()) {
        case 0 -> {
          Admission a = limiter.enter(AgentRequest.of(AGENT, policy).withEstimate(s.amount()));
          Decision d = a.decision();
          if (balance > 0) {
            assertThat(d.isAllowed()).as("admitted while the balance (%s) is positive", balance).isTrue();
            balance = Math.max(-100 * AMOUNT, balance - s.amount()); // debt is capped
            Request r = new Request(a, period, s.amount());
            open.add(r);
            admitted.add(r);
          } else {
            assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
            long periods = -balance / AMOUNT + 1;
            long positiveAtMillis = (period + periods) * PERIOD.toMillis();
            assertThat(d.retryAfter()).isEqualTo(Duration.ofMillis(positiveAtMillis - epochMillis));
            assertThat(d.bindingLimit().orElseThrow().limit()).isEqualTo("tokens");
          }
        }
        case 1, 2 -> {
          if (open.isEmpty()) {
            continue;
          }
          Request r = open.get(s.pick() % open.size());
          long actual = actualWithinEstimate ? Math.min(s.amount(), r.estimate) : s.amount();
          r.admission.complete(Outcome.success().withActualCost(actual));
          if (!r.settled) {
            long delta = actual - r.estimate;
            if (r.period == period || delta > 0) {
              balance = Math.max(-100 * AMOUNT, balance - delta);
            } else {
              long credit = Math.min(-delta, carried);
              carried -= credit;
              balance += credit;
            }
            r.settled = true;
            r.charge = actual;
          }
          if (s.kind() == 2) {
            r.admission.complete(Outcome.success().withActualCost(actual + 7)); // ignored
            r.admission.close();
          }
          if (s.kind() == 1) {
            open.remove(r);
          }
        }
        default -> {
          clock.advanceNanos(s.millis() * 1_000_000);
          epochMillis += s.millis();
          long now = epochMillis / PERIOD.toMillis();
          for (long p = period; p < now; p++) {
            long before = balance;
            balance = Math.min(AMOUNT, balance + AMOUNT);
            carried = before < 0 ? AMOUNT - balance : 0;
          }
          period = now;
        }
      }
      assertThat(limiter.admin().budgetBalance(AGENT, "tokens")).hasValue(balance);
    }
    if (actualWithinEstimate) {
      Map<Long, long[]> perPeriod = new HashMap<>(); // sum, largest single charge
      for (Request r : admitted) {
        long[] acc = perPeriod.computeIfAbsent(r.period, p -> new long[2]);
        acc[0] += r.charge;
        acc[1] = Math.max(acc[1], r.charge);
      }
      perPeriod.forEach(
          (p, acc) ->
              assertThat(acc[0])
                  .as("charged in period %s", p)
                  .isLessThanOrEqualTo(AMOUNT + acc[1]));
    }
    long exhausted =
        listener.of(LimiterEvent.BudgetExhausted.class).stream().filter(e -> e.balance() <= 0).count();
    assertThat(exhausted).isEqualTo(listener.of(LimiterEvent.BudgetExhausted.class).size());
  }

  /** Calendar budgets reset at midnight UTC and on the first of the month, leap day included. */
  @Test
  void calendarPeriodsResetOnUtcBoundaries() {
    FakeTimeSource clock = new FakeTimeSource();
    Clock wall = Clock.fixed(Instant.parse("2028-02-28T23:59:58Z"), ZoneOffset.UTC);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).wallClock(wall).build();
    Policy daily =
        Policy.named("daily")
            .limit(Limit.capacity(1000).refill(1000).per(Duration.ofSeconds(1)))
            .budget(Budget.named("day").amount(10).perDay())
            .build();
    Policy monthly =
        Policy.named("monthly")
            .limit(Limit.capacity(1000).refill(1000).per(Duration.ofSeconds(1)))
            .budget(Budget.named("month").amount(10).perMonth())
            .build();
    for (Policy p : List.of(daily, monthly)) {
      try (Admission a = limiter.enter(AgentRequest.of(AGENT, p).withEstimate(1))) {
        a.complete(Outcome.success().withActualCost(25)); // soft cap: crosses, completes
      }
      Decision refused = limiter.decide(AgentRequest.of(AGENT, p).withEstimate(1));
      assertThat(refused.reason()).isEqualTo(Reason.RATE_LIMITED);
    }
    // daily: -15 needs two resets (Feb 29 and Mar 1)
    assertThat(limiter.decide(AgentRequest.of(AGENT, daily).withEstimate(1)).retryAfter())
        .isEqualTo(Duration.ofDays(1).plusSeconds(2));
    // monthly: one reset on Mar 1 leaves -5, the next on Apr 1
    assertThat(limiter.decide(AgentRequest.of(AGENT, monthly).withEstimate(1)).retryAfter())
        .isEqualTo(Duration.ofDays(1 + 31).plusSeconds(2));
    clock.advance(Duration.ofSeconds(2)); // 2028-02-29T00:00Z
    assertThat(limiter.admin().budgetBalance(AGENT, "day")).hasValue(-5);
    assertThat(limiter.admin().budgetBalance(AGENT, "month")).hasValue(-15);
    clock.advance(Duration.ofDays(1)); // 2028-03-01T00:00Z
    assertThat(limiter.admin().budgetBalance(AGENT, "day")).hasValue(5);
    assertThat(limiter.admin().budgetBalance(AGENT, "month")).hasValue(-5);
    assertThat(limiter.decide(AgentRequest.of(AGENT, daily)).isAllowed()).isTrue();
    assertThat(limiter.decide(AgentRequest.of(AGENT, monthly)).isAllowed()).isFalse();
  }

  /** Two policies in different lanes naming one budget draw from one balance. */
  @Test
  void linkedBudgetsShareOneBalance() {
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(new FakeTimeSource()).build();
    Budget shared = Budget.named("llm-tokens").amount(1000).perDay();
    Policy inbound =
        Policy.named("chat")
            .lane("inbound")
            .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
            .budget(shared)
            .build();
    Policy egress =
        Policy.named("openai")
            .lane("egress")
            .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
            .budget(shared)
            .build();
    try (Admission a = limiter.enter(AgentRequest.of(AGENT, inbound).withEstimate(100))) {
      a.complete(Outcome.success().withActualCost(600));
    }
    try (Admission a = limiter.enter(AgentRequest.of(AGENT, egress).withEstimate(100))) {
      assertThat(a.decision().isAllowed()).isTrue();
      a.complete(Outcome.success().withActualCost(450));
    }
    assertThat(limiter.admin().budgetBalance(AGENT, "llm-tokens")).hasValue(-50);
    Decision refused = limiter.decide(AgentRequest.of(AGENT, inbound));
    assertThat(refused.reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(refused.limits())
        .as("only the budget: the bucket's token was given back")
        .singleElement()
        .satisfies(l -> assertThat(l.limit()).isEqualTo("llm-tokens"));
    assertThat(limiter.admin().inspect(AGENT, inbound).get(0).remaining()).isEqualTo(99);
    assertThat(limiter.decide(AgentRequest.of(AGENT, egress)).reason()).isEqualTo(Reason.RATE_LIMITED);
    Policy conflicting =
        Policy.named("other")
            .limit(Limit.capacity(100).refill(100).per(Duration.ofSeconds(1)))
            .budget(Budget.named("llm-tokens").amount(5).perDay())
            .build();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> limiter.decide(AgentRequest.of(AGENT, conflicting)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "policy 'other': budget 'llm-tokens' is already in use with another configuration");
  }

  /** An absurd actual cost cannot wrap the balance around: debt stops at 100 periods' amount. */
  @Test
  void debtIsCappedSoNothingWrapsAround() {
    FakeTimeSource clock = new FakeTimeSource();
    Clock wall = Clock.fixed(Instant.parse("2026-11-23T00:00:00Z"), ZoneOffset.UTC);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(clock).wallClock(wall).build();
    Policy policy =
        Policy.named("export")
            .limit(Limit.capacity(1000).refill(1000).per(Duration.ofSeconds(1)))
            .budget(Budget.named("rows").amount(1_000).every(Duration.ofDays(366)))
            .build();
    for (int i = 0; i < 8; i++) {
      Admission a = limiter.enter(AgentRequest.of(AGENT, policy).withEstimate(1));
      a.complete(Outcome.success().withActualCost(Long.MAX_VALUE / 4));
    }
    assertThat(limiter.admin().budgetBalance(AGENT, "rows")).hasValue(-100_000);
    Decision refused = limiter.decide(AgentRequest.of(AGENT, policy));
    assertThat(refused.reason()).isEqualTo(Reason.RATE_LIMITED);
    // 101 boundaries of 366-day periods counted from the epoch: still a valid time, far away
    assertThat(refused.retryAfter()).isGreaterThan(Duration.ofDays(366 * 100));
    assertThat(refused.retryAfter()).isLessThan(Duration.ofDays(366 * 101));
  }
}
