package dev.agentlimiter.micrometer;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentState;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.Offender;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.QuarantineStatus;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link LimiterAdmin} whose three numbers the test sets; the real one lives in limiter-core, which
 * this module does not depend on. Everything the metrics do not read throws.
 */
final class FakeAdmin implements LimiterAdmin {

  volatile long trackedAgents;
  volatile long requestsInFlight;
  volatile boolean failing;
  private final List<QuarantineStatus> quarantined = new CopyOnWriteArrayList<>();

  void quarantine(String agentId, String lane) {
    quarantined.add(
        new QuarantineStatus(agentId, lane, "api", Duration.ofMinutes(1), 1, Reason.LOOP_DETECTED));
  }

  void releaseAll() {
    quarantined.clear();
  }

  @Override
  public dev.agentlimiter.api.AppliedConfiguration configuration() {
    throw new UnsupportedOperationException("not read by the metrics");
  }

  @Override
  public dev.agentlimiter.api.AppliedConfiguration apply(
      dev.agentlimiter.api.PolicySet policies, String origin) {
    throw new UnsupportedOperationException("not read by the metrics");
  }

  @Override
  public long trackedAgents() {
    fail();
    return trackedAgents;
  }

  @Override
  public List<QuarantineStatus> quarantined() {
    fail();
    return new ArrayList<>(quarantined);
  }

  @Override
  public long requestsInFlight() {
    fail();
    return requestsInFlight;
  }

  private void fail() {
    if (failing) {
      throw new IllegalStateException("store unavailable");
    }
  }

  @Override
  public List<RateLimitStatus> inspect(AgentIdentity agent, Policy policy) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void reset(AgentIdentity agent, Policy policy) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Optional<QuarantineStatus> quarantine(AgentIdentity agent, String lane) {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean release(AgentIdentity agent, String lane) {
    throw new UnsupportedOperationException();
  }

  @Override
  public int inFlight(AgentIdentity agent, Policy policy) {
    throw new UnsupportedOperationException();
  }

  @Override
  public int reputationPercent(AgentIdentity agent, Policy policy) {
    throw new UnsupportedOperationException();
  }

  @Override
  public OptionalLong budgetBalance(AgentIdentity agent, String budget) {
    throw new UnsupportedOperationException();
  }

  @Override
  public AgentState state(AgentIdentity agent) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<Offender> topOffenders(int limit) {
    throw new UnsupportedOperationException();
  }
}
