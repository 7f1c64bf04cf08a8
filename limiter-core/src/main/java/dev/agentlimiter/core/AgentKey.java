package dev.agentlimiter.core;

import org.jspecify.annotations.Nullable;

/**
 * The cache key of one (policy, agent) pair. Ids of at most 16 ASCII characters, the common case, are packed
 * into two {@code long}s (32 bytes per key instead of about 60 for the string); the packing is injective
 * because ids contain no NUL, so packed keys never collide. Longer ids keep their string.
 */
abstract class AgentKey {

  final LocalPolicyState owner;

  AgentKey(LocalPolicyState owner) {
    this.owner = owner;
  }

  static AgentKey of(LocalPolicyState owner, String id) {
    int length = id.length();
    if (length > 16) {
      return new StringKey(owner, id);
    }
    long a = 0;
    long b = 0;
    for (int i = 0; i < length; i++) {
      char c = id.charAt(i);
      if (c == 0 || c > 0x7F) {
        return new StringKey(owner, id);
      }
      if (i < 8) {
        a |= ((long) c) << (8 * i);
      } else {
        b |= ((long) c) << (8 * (i - 8));
      }
    }
    return new PackedKey(owner, a, b);
  }

  /** A well-mixed 64-bit hash, for the eviction ledger. */
  abstract long hash64();

  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  static final class PackedKey extends AgentKey {
    private final long a;
    private final long b;

    PackedKey(LocalPolicyState owner, long a, long b) {
      super(owner);
      this.a = a;
      this.b = b;
    }

    @Override
    long hash64() {
      return mix(a * 31 + mix(b ^ owner.salt));
    }

    @Override
    public int hashCode() {
      long h = hash64();
      return (int) (h ^ (h >>> 32));
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof PackedKey other && a == other.a && b == other.b && owner == other.owner;
    }

    @Override
    public String toString() {
      return "PackedKey[" + owner.policy.name() + "]";
    }
  }

  static final class StringKey extends AgentKey {
    private final String id;

    StringKey(LocalPolicyState owner, String id) {
      super(owner);
      this.id = id;
    }

    @Override
    long hash64() {
      return mix(((long) id.hashCode() << 32) ^ id.length() ^ owner.salt);
    }

    @Override
    public int hashCode() {
      long h = hash64();
      return (int) (h ^ (h >>> 32));
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof StringKey other && owner == other.owner && id.equals(other.id);
    }

    @Override
    public String toString() {
      return "StringKey[" + owner.policy.name() + "]";
    }
  }
}
