package dev.agentlimiter.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.core.FakeTimeSource;
import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Keys are equal exactly when (policy, id) are, and the allocation-free lookup finds the stored key. */
class AgentKeyProperties {

  private static final LocalStateStore STORE =
      new LocalStateStore(new EngineClock(new FakeTimeSource()), 1_000, Duration.ofMinutes(1));
  private static final LocalPolicyState ONE = policy("one");
  private static final LocalPolicyState TWO = policy("two");

  private static LocalPolicyState policy(String name) {
    return (LocalPolicyState)
        STORE.bind(Policy.named(name).limit(Limit.capacity(1).refill(1).per(Duration.ofSeconds(1))).build());
  }

  @Provide
  Arbitrary<String> ids() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(20),
        Arbitraries.strings().ofMinLength(1).ofMaxLength(20),
        Arbitraries.strings().withChars("ab\u0000\u007f\u0080").ofMinLength(1).ofMaxLength(18));
  }

  @Property(tries = 3000)
  void keysAreEqualExactlyWhenIdsAre(@ForAll("ids") String x, @ForAll("ids") String y) {
    AgentKey kx = AgentKey.of(ONE, x);
    AgentKey ky = AgentKey.of(ONE, y);
    assertThat(kx.equals(ky)).isEqualTo(x.equals(y));
    assertThat(AgentKey.of(TWO, x)).isNotEqualTo(kx);
    if (x.equals(y)) {
      assertThat(kx.hashCode()).isEqualTo(ky.hashCode());
      assertThat(kx.hash64()).isEqualTo(ky.hash64());
    }
  }

  /** How ConcurrentHashMap compares a probe with a stored key. */
  private static boolean mapEquals(Object probe, Object stored) {
    return probe.equals(stored);
  }

  @Property(tries = 3000)
  void theLookupKeyMatchesTheStoredKey(@ForAll("ids") String x, @ForAll("ids") String y) {
    AgentKey stored = AgentKey.of(ONE, x);
    AgentKey.Lookup lookup = AgentKey.lookup(ONE, y);
    assertThat(mapEquals(lookup, stored)).isEqualTo(x.equals(y));
    assertThat(mapEquals(stored, lookup)).isEqualTo(x.equals(y));
    if (x.equals(y)) {
      assertThat(lookup.hashCode()).isEqualTo(stored.hashCode());
      assertThat(lookup.hash64()).isEqualTo(stored.hash64());
    }
    assertThat(mapEquals(AgentKey.lookup(TWO, x), stored)).isFalse();
  }
}
