package dev.agentlimiter.core.internal.state;

import org.jspecify.annotations.Nullable;

/**
 * The cache key of one (policy, agent) pair. Ids of at most 16 ASCII characters, the common case, are packed
 * into two {@code long}s (a 32-byte key instead of about 60 bytes of string); the packing is injective
 * because ids contain no NUL, so packed keys never collide. Longer ids keep their string.
 *
 * <p>Lookups of agents already tracked use a per-thread mutable {@link Lookup} that equals the stored key,
 * so the hot path allocates no key; a stored key is made only when an agent starts being tracked.
 */
public abstract class AgentKey {

  final LocalPolicyState owner;

  AgentKey(LocalPolicyState owner) {
    this.owner = owner;
  }

  /** A new immutable key, for storing. */
  public static AgentKey of(LocalPolicyState owner, String id) {
    return lookup(owner, id).freeze();
  }

  private static final ThreadLocal<Lookup> LOOKUP = ThreadLocal.withInitial(Lookup::new);

  /**
   * This thread's lookup key, set to (owner, id). Valid until the next call on this thread; never store
   * it.
   */
  static Lookup lookup(LocalPolicyState owner, String id) {
    Lookup lookup = LOOKUP.get();
    lookup.set(owner, id);
    return lookup;
  }

  /** A well-mixed 64-bit hash, for the eviction ledger. */
  abstract long hash64();

  /**
   * The key of the same agent under {@code other}, a version of the same policy: the same salt, so the
   * same {@link #hash64()}.
   */
  abstract AgentKey rekey(LocalPolicyState other);

  public static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  static long packedHash(LocalPolicyState owner, long a, long b) {
    return mix(a * 31 + mix(b ^ owner.salt));
  }

  static long stringHash(LocalPolicyState owner, String id) {
    return idHash(id, owner.salt);
  }

  /**
   * A salted 64-bit hash of every character of {@code id}. Not {@code String.hashCode()}: its 32 bits collide
   * by the birthday bound among a few hundred thousand ids, and anyone can craft ids that collide ("Aa" and
   * "BB"), which would let one agent inherit another's remembered state. Here each 4-character chunk goes
   * through a bijective mix chained from the salt, so a collision depends on the secret salt.
   */
  public static long idHash(String id, long salt) {
    int n = id.length();
    long h = mix(salt ^ n);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      long chunk =
          id.charAt(i)
              | (long) id.charAt(i + 1) << 16
              | (long) id.charAt(i + 2) << 32
              | (long) id.charAt(i + 3) << 48;
      h = mix(h ^ chunk);
    }
    long tail = 0;
    for (; i < n; i++) {
      tail = tail << 16 | id.charAt(i);
    }
    return mix(h ^ tail);
  }

  static int fold(long h) {
    return (int) (h ^ (h >>> 32));
  }

  static final class PackedKey extends AgentKey {
    final long a;
    final long b;

    PackedKey(LocalPolicyState owner, long a, long b) {
      super(owner);
      this.a = a;
      this.b = b;
    }

    @Override
    long hash64() {
      return packedHash(owner, a, b);
    }

    @Override
    AgentKey rekey(LocalPolicyState other) {
      return new PackedKey(other, a, b);
    }

    @Override
    public int hashCode() {
      return fold(hash64());
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (o instanceof Lookup lookup) {
        return lookup.matches(this);
      }
      return o instanceof PackedKey other && a == other.a && b == other.b && owner == other.owner;
    }

    @Override
    public String toString() {
      return "PackedKey[" + owner.policy.name() + "]";
    }
  }

  static final class StringKey extends AgentKey {
    final String id;

    StringKey(LocalPolicyState owner, String id) {
      super(owner);
      this.id = id;
    }

    @Override
    long hash64() {
      return stringHash(owner, id);
    }

    @Override
    AgentKey rekey(LocalPolicyState other) {
      return new StringKey(other, id);
    }

    @Override
    public int hashCode() {
      return fold(hash64());
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (o instanceof Lookup lookup) {
        return lookup.matches(this);
      }
      return o instanceof StringKey other && owner == other.owner && id.equals(other.id);
    }

    @Override
    public String toString() {
      return "StringKey[" + owner.policy.name() + "]";
    }
  }

  /** A reusable, mutable probe equal to the stored key of the same (owner, id). One per thread. */
  static final class Lookup {
    private @Nullable LocalPolicyState owner;
    private @Nullable String id;
    private long a;
    private long b;
    private boolean packed;

    void set(LocalPolicyState newOwner, String newId) {
      owner = newOwner;
      id = newId;
      packed = false;
      int length = newId.length();
      if (length > 16) {
        return;
      }
      long x = 0;
      long y = 0;
      for (int i = 0; i < length; i++) {
        char c = newId.charAt(i);
        if (c == 0 || c > 0x7F) {
          return;
        }
        if (i < 8) {
          x |= ((long) c) << (8 * i);
        } else {
          y |= ((long) c) << (8 * (i - 8));
        }
      }
      a = x;
      b = y;
      packed = true;
    }

    private LocalPolicyState owner() {
      LocalPolicyState o = owner;
      if (o == null) {
        throw new IllegalStateException("lookup key used before set");
      }
      return o;
    }

    private String id() {
      String i = id;
      if (i == null) {
        throw new IllegalStateException("lookup key used before set");
      }
      return i;
    }

    AgentKey freeze() {
      return packed ? new PackedKey(owner(), a, b) : new StringKey(owner(), id());
    }

    long hash64() {
      return packed ? packedHash(owner(), a, b) : stringHash(owner(), id());
    }

    @Override
    public int hashCode() {
      return fold(hash64());
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof AgentKey key && matches(key);
    }

    boolean matches(AgentKey o) {
      if (packed) {
        return o instanceof PackedKey k && k.a == a && k.b == b && k.owner == owner;
      }
      return o instanceof StringKey k && k.owner == owner && k.id.equals(id);
    }

    @Override
    public String toString() {
      return "Lookup[" + (owner == null ? "unset" : owner.policy.name()) + "]";
    }
  }
}
