package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 14, item 6: a listener that throws does not change the decision and is ignored. Before the fix an
 * {@code AssertionError} from {@code onDecision} or {@code onEvent} escaped {@code enter()} on 12 of 12
 * calls and left the policy's whole concurrency cap held until the leak guard.
 */
class Issue14ListenerErrorTest {

  private static final AgentIdentity AGENT = AgentIdentity.of("agent", IdentitySource.API_KEY);
  private static final Policy POLICY =
      Policy.named("capped")
          .limit(Limit.capacity(1_000).refill(1_000).per(Duration.ofSeconds(1)))
          .concurrency(ConcurrencyLimit.of(2))
          .loopDetection(LoopDetection.after(2).within(Duration.ofSeconds(10)))
          .quarantine(Quarantine.after(3).within(Duration.ofMinutes(1)))
          .build();

  /** A listener that throws what {@code failure} makes, from both callbacks, and counts the calls. */
  private static final class Throwing implements LimiterListener {
    final Supplier<Throwable> failure;
    final AtomicInteger calls = new AtomicInteger();

    Throwing(Supplier<Throwable> failure) {
      this.failure = failure;
    }

    @Override
    public void onDecision(DecisionEvent event) {
      calls.incrementAndGet();
      sneaky(failure.get());
    }

    @Override
    public void onEvent(LimiterEvent event) {
      calls.incrementAndGet();
      sneaky(failure.get());
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneaky(Throwable t) throws T {
      throw (T) t;
    }
  }

  private static Supplier<Throwable> failure(String kind) {
    return switch (kind) {
      case "assertion" -> () -> new AssertionError("listener assertion");
      case "linkage" -> () -> new NoClassDefFoundError("listener class missing");
      case "runtime" -> () -> new IllegalStateException("listener bug");
      case "checked" -> () -> new java.io.IOException("sneaky checked");
      default -> throw new IllegalArgumentException(kind);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"assertion", "linkage", "runtime", "checked"})
  void aThrowingListenerChangesNoDecisionAndLeavesNothingHeld(String kind) {
    FakeTimeSource time = new FakeTimeSource(5);
    Throwing listener = new Throwing(failure(kind));
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).listener(listener).build();
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      // distinct requests: only the cap can refuse; two are held at once, the third refused
      RequestFingerprint fp = RequestFingerprint.of(i, 1);
      try (Admission first = limiter.enter(AgentRequest.of(AGENT, POLICY).withFingerprint(fp));
          Admission second =
              limiter.enter(AgentRequest.of(AGENT, POLICY).withFingerprint(RequestFingerprint.of(i, 2)));
          Admission third =
              limiter.enter(AgentRequest.of(AGENT, POLICY).withFingerprint(RequestFingerprint.of(i, 3)))) {
        reasons.add(first.decision().reason());
        reasons.add(second.decision().reason());
        reasons.add(third.decision().reason());
      }
      assertThat(limiter.admin().inFlight(AGENT, POLICY)).as("nothing held after round %s", i).isZero();
      time.advance(Duration.ofMinutes(2)); // past any quarantine the refusals earned
    }
    assertThat(listener.calls.get()).isGreaterThanOrEqualTo(36);
    for (int i = 0; i < 12; i++) {
      assertThat(reasons.subList(3 * i, 3 * i + 3))
          .containsExactly(Reason.ALLOWED, Reason.ALLOWED, Reason.CONCURRENCY_LIMITED);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"assertion", "runtime"})
  void loopsAndQuarantinesAreDecidedAsWithoutAListener(String kind) {
    FakeTimeSource time = new FakeTimeSource(5);
    AgentLimiter quiet = AgentLimiters.newBuilder().timeSource(time).build();
    AgentLimiter loud =
        AgentLimiters.newBuilder().timeSource(time).listener(new Throwing(failure(kind))).build();
    AgentRequest same = AgentRequest.of(AGENT, POLICY).withFingerprint(RequestFingerprint.of(7, 7));
    for (int i = 0; i < 10; i++) {
      assertThat(loud.decide(same)).isEqualTo(quiet.decide(same));
      time.advance(Duration.ofMillis(100));
    }
    assertThat(loud.admin().quarantined()).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"stack", "memory"})
  void aVirtualMachineErrorIsRethrownOnlyAfterEverythingIsReleased(String kind) {
    FakeTimeSource time = new FakeTimeSource(5);
    Supplier<Throwable> vm =
        kind.equals("stack")
            ? () -> new StackOverflowError("listener recursed")
            : () -> new OutOfMemoryError("listener allocated");
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).listener(new Throwing(vm)).build();
    for (int i = 0; i < 5; i++) {
      AgentRequest request = AgentRequest.of(AGENT, POLICY).withFingerprint(RequestFingerprint.of(i, 9));
      // the decision event is told when the request ends (issue 15): the error surfaces from close()
      assertThatThrownBy(() -> limiter.enter(request).close()).isInstanceOf(VirtualMachineError.class);
      assertThat(limiter.admin().inFlight(AGENT, POLICY)).as("the permit of a request never received").isZero();
    }
  }

  @org.junit.jupiter.api.Test
  void aSlowListenerDelaysButDoesNotChangeTheDecision() {
    FakeTimeSource time = new FakeTimeSource(5);
    LimiterListener slow =
        new LimiterListener() {
          @Override
          public void onDecision(DecisionEvent event) {
            time.advance(Duration.ofSeconds(30)); // the clock moves while the listener runs
          }

          @Override
          public void onEvent(LimiterEvent event) {}
        };
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).listener(slow).build();
    try (Admission a = limiter.enter(AgentRequest.of(AGENT, POLICY).withFingerprint(RequestFingerprint.of(1, 1)));
        Admission b = limiter.enter(AgentRequest.of(AGENT, POLICY).withFingerprint(RequestFingerprint.of(2, 1)));
        Admission c = limiter.enter(AgentRequest.of(AGENT, POLICY).withFingerprint(RequestFingerprint.of(3, 1)))) {
      assertThat(List.of(a.decision().reason(), b.decision().reason(), c.decision().reason()))
          .containsExactly(Reason.ALLOWED, Reason.ALLOWED, Reason.CONCURRENCY_LIMITED);
    }
    assertThat(limiter.admin().inFlight(AGENT, POLICY)).isZero();
  }
}
