package dev.agentlimiter.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

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
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * The ledger's contract, over random sequences of puts, takes, peeks and removals of up to 24 tags crowded
 * into two sets (so sets overflow all the time), with priorities and a clock that move both ways:
 *
 * <ul>
 *   <li>a tag only ever gets back its own last record, word for word, and only until it is taken or
 *       removed;
 *   <li>a record is lost (displaced, or dropped on arrival) only if it is stale (its priority {@code <=}
 *       now) or its set is full of records whose priorities are all at least its own;
 *   <li>{@link EvictionLedger#lostRecords()} counts exactly the records lost while not stale.
 * </ul>
 */
class EvictionLedgerProperties {

  private static final int STATE_LONGS = 6;

  enum Kind {
    PUT,
    TAKE,
    PEEK,
    REMOVE
  }

  /** An operation; a put's priority is {@code now + ahead}, saturated. */
  record Op(Kind kind, int tag, long ahead, long now) {
    long priority() {
      long p = now + ahead;
      return ((now ^ p) & (ahead ^ p)) < 0 ? (ahead < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : p;
    }
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Kind> kind =
        Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.just(Kind.PUT)),
            Tuple.of(2, Arbitraries.just(Kind.TAKE)),
            Tuple.of(1, Arbitraries.just(Kind.PEEK)),
            Tuple.of(1, Arbitraries.just(Kind.REMOVE)));
    Arbitrary<Long> ahead =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.longs().between(-20, 200)),
            Tuple.of(1, Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE)));
    Arbitrary<Long> now =
        Arbitraries.frequencyOf(
            Tuple.of(9, Arbitraries.longs().between(-50, 50)),
            Tuple.of(1, Arbitraries.of(Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE)));
    return Combinators.combine(kind, Arbitraries.integers().between(0, 23), ahead, now)
        .as(Op::new)
        .list()
        .ofMaxSize(200);
  }

  /** Tag {@code i}: in set 0 or 1 by its parity, with random-looking low bits (and tag 0 itself). */
  private static long tag(int i) {
    return i == 0 ? 0 : ((long) (i & 1) << 32) | (AgentKey.mix(i) & 0xFFFF_FFFFL) | (long) i << 40;
  }

  private static long[] state(int tag, int version) {
    long[] s = new long[STATE_LONGS];
    for (int k = 0; k < STATE_LONGS; k++) {
      s[k] = AgentKey.mix(tag * 1_000_003L + version * 31L + k);
    }
    return s;
  }

  @Property(tries = 2000)
  void aTagGetsOnlyItsOwnLastRecordAndLosesItOnlyToDeeperOnes(@ForAll("ops") List<Op> ops) {
    EvictionLedger ledger = new EvictionLedger(16, STATE_LONGS); // two sets of eight ways
    Map<Integer, long[]> expected = new HashMap<>(); // tags that should still be present, and their words
    long[] priorities = new long[24];
    int[] versions = new int[24];
    long lostWhileUnfull = 0;
    long[] out = new long[STATE_LONGS];
    for (Op op : ops) {
      long tag = tag(op.tag());
      switch (op.kind()) {
        case PUT -> {
          long[] s = state(op.tag(), ++versions[op.tag()]);
          ledger.put(tag, op.priority(), op.now(), s);
          expected.put(op.tag(), s);
          priorities[op.tag()] = op.priority();
        }
        case TAKE -> {
          boolean found = ledger.take(tag, out);
          assertThat(found).isEqualTo(expected.containsKey(op.tag()));
          if (found) {
            assertThat(out).isEqualTo(expected.remove(op.tag()));
          }
        }
        case PEEK -> {
          boolean found = ledger.peek(tag, out);
          assertThat(found).isEqualTo(expected.containsKey(op.tag()));
          if (found) {
            assertThat(out).isEqualTo(expected.get(op.tag()));
          }
        }
        case REMOVE -> {
          ledger.remove(tag);
          expected.remove(op.tag());
        }
      }
      // Which expected records are gone? Only a put can lose one.
      List<Integer> lost = new ArrayList<>();
      for (Map.Entry<Integer, long[]> e : expected.entrySet()) {
        if (!ledger.peek(tag(e.getKey()), out)) {
          lost.add(e.getKey());
        } else {
          assertThat(out).as("tag %d", e.getKey()).isEqualTo(e.getValue());
        }
      }
      assertThat(lost.size()).isLessThanOrEqualTo(op.kind() == Kind.PUT ? 1 : 0);
      for (int gone : lost) {
        expected.remove(gone);
        long p = Math.max(priorities[gone], Long.MIN_VALUE + 1);
        Statistics.label("losses").collect(p <= op.now() ? "stale" : "outranked");
        if (p <= op.now()) {
          continue;
        }
        lostWhileUnfull++;
        int set = ledger.setOf(tag(gone));
        List<Long> kept = new ArrayList<>();
        for (int t : expected.keySet()) {
          if (ledger.setOf(tag(t)) == set) {
            kept.add(Math.max(priorities[t], Long.MIN_VALUE + 1));
          }
        }
        assertThat(kept).as("records kept in the set of lost tag %d (priority %d)", gone, p).hasSize(EvictionLedger.WAYS);
        assertThat(kept).allSatisfy(k -> assertThat(k).isGreaterThanOrEqualTo(p));
      }
      assertThat(ledger.lostRecords()).isEqualTo(lostWhileUnfull);
    }
  }
}
