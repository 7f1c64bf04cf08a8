package dev.agentlimiter.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: what the tagged ledger promises when records compete for a set, and that an admin reset is not
 * undone by an old record. Agents are picked so that their records fall into one set of the ledger.
 */
class Issue14LedgerRecordTest {

  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  /** 10 tokens, 10 per hour: one token every 6 minutes. */
  private static final Policy TEN_PER_HOUR =
      Policy.named("ten").limit(Limit.capacity(10).refill(10).per(Duration.ofHours(1))).build();

  private final FakeTimeSource time = new FakeTimeSource(1_000);
  private final EngineClock clock = new EngineClock(time);
  private final LocalStateStore store = new LocalStateStore(clock, 1_000, Duration.ofSeconds(1));
  private final LocalPolicyState state = (LocalPolicyState) store.bind(TEN_PER_HOUR);
  private final long[] probe = new long[3];

  /** {@code n} ids whose records go to the same ledger set. */
  private List<String> oneSet(String prefix, int n, int set) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; ids.size() < n; i++) {
      String id = prefix + i;
      if (state.ledger.setOf(AgentKey.of(state, id).hash64()) == set) {
        ids.add(id);
      }
    }
    return ids;
  }

  private long now() {
    return clock.now();
  }

  /** Moves past the idle expiry and lets the cache evict every idle entry into the ledger. */
  private void evictAll() {
    time.advanceNanos(2_000_000_000L);
    clock.now();
    store.cache.cleanUp();
    assertThat(store.cache.estimatedSize()).isZero();
  }

  /** Takes {@code cost} and returns the tokens left, or -1 if refused. */
  private long take(String id, long cost) {
    return state.tryConsume(id, cost, now(), probe, 0) ? probe[0] : -1;
  }

  @Test
  void aRecordIsLostOnlyToDeeperOnesAndItsAgentGainsNoMoreThanItWouldHaveRegainedBy() {
    int set = state.ledger.setOf(AgentKey.of(state, "victim").hash64());
    List<String> drained = oneSet("drained-", EvictionLedger.WAYS, set);
    List<String> oneShots = oneSet("one-shot-", 30, set);
    String newcomer = oneSet("newcomer-", 1, set).get(0);

    // The victim takes 4 (full again 24 minutes later); eight agents of its set take all 10 (60 minutes).
    assertThat(take("victim", 4)).isEqualTo(6);
    for (String id : drained) {
      assertThat(take(id, 10)).isZero();
    }
    long drainedAt = now();
    evictAll();
    // Nine records for eight ways: the one that is full again soonest, the victim's, is the one lost.
    assertThat(state.ledger.lostRecords()).isEqualTo(1);
    assertThat(state.ledger.peek(AgentKey.of(state, "victim").hash64(), new long[3])).isFalse();

    // One minute later 30 one-shots of the same set take 1 each (full again after 6 minutes): each is
    // shallower than every record of the set, so each is dropped and no drained agent's record is touched.
    time.advanceNanos(MINUTE);
    for (String id : oneShots) {
      assertThat(take(id, 1)).isEqualTo(9);
    }
    evictAll();
    assertThat(state.ledger.lostRecords()).isEqualTo(31);

    // Ten minutes after draining, each drained agent is back exactly: 10 minutes refilled 1.67 tokens.
    time.advanceNanos(drainedAt + 10 * MINUTE - now());
    for (String id : drained) {
      assertThat(take(id, 1)).as(id).isZero();
      assertThat(probe[2]).as("until the next token").isEqualTo(2 * MINUTE);
      assertThat(take(id, 1)).as(id).isEqualTo(-1);
    }
    // Without its record the victim starts new, 10 tokens. Its own bucket, never evicted, would hold 7 (6 +
    // 1.67) and be full again 14 minutes from now: the victim gains 3 tokens, what it would have regained
    // by its own full time, which is no later than every record kept in its set (50 minutes from now).
    LocalStateStore neverEvicts = new LocalStateStore(clock, 1_000, Duration.ofDays(1));
    LocalPolicyState own = (LocalPolicyState) neverEvicts.bind(TEN_PER_HOUR);
    assertThat(own.tryConsume("victim", 4, drainedAt)).isTrue();
    own.inspect("victim", 1, now(), probe, 0);
    assertThat(probe[0]).isEqualTo(7);
    assertThat(probe[1]).as("until full").isEqualTo(14 * MINUTE);
    assertThat(take("victim", 1)).isEqualTo(9);
    // A newcomer of the same set starts new, whatever the set holds.
    assertThat(take(newcomer, 1)).isEqualTo(9);
  }

  /** Regression: an admin reset of an evicted agent was undone by its record, rebuilding it drained. */
  @Test
  void aResetAfterEvictionIsNotUndoneByTheRecord() {
    FakeTimeSource t = new FakeTimeSource();
    AgentLimiter limiter =
        AgentLimiters.newBuilder().timeSource(t).idleExpiry(Duration.ofSeconds(1)).build();
    AgentIdentity agent = AgentIdentity.of("reset-me", IdentitySource.API_KEY);
    AgentIdentity other = AgentIdentity.of("other", IdentitySource.API_KEY);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.decide(AgentRequest.of(agent, TEN_PER_HOUR)).isAllowed()).isTrue();
    }
    t.advance(Duration.ofSeconds(2));
    limiter.decide(AgentRequest.of(other, TEN_PER_HOUR)); // evicts the drained agent into the ledger
    assertThat(limiter.admin().inspect(agent, TEN_PER_HOUR).get(0).remaining()).isZero();
    limiter.admin().reset(agent, TEN_PER_HOUR);
    assertThat(limiter.admin().inspect(agent, TEN_PER_HOUR).get(0).remaining()).isEqualTo(10);
    assertThat(limiter.decide(AgentRequest.of(agent, TEN_PER_HOUR)).remaining()).isEqualTo(9);
  }

  @Test
  void inspectPeeksAtTheRecordAndTheNextRequestTakesIt() {
    for (int i = 0; i < 10; i++) {
      take("drained", 1);
    }
    evictAll();
    long tag = AgentKey.of(state, "drained").hash64();
    for (int i = 0; i < 2; i++) {
      state.inspect("drained", 1, now(), probe, 0);
      assertThat(probe[0]).isZero();
      assertThat(state.ledger.peek(tag, new long[3])).isTrue();
      assertThat(store.cache.estimatedSize()).isZero(); // inspecting does not start tracking
    }
    assertThat(take("drained", 1)).isEqualTo(-1);
    assertThat(state.ledger.peek(tag, new long[3])).isFalse(); // the live bucket is the truth now
    evictAll();
    assertThat(state.ledger.peek(tag, new long[3])).isTrue();
  }
}
