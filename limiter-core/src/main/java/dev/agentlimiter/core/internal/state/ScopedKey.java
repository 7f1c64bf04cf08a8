package dev.agentlimiter.core.internal.state;

import org.jspecify.annotations.Nullable;

/**
 * The key of per-agent detector state: a scope (a policy, lane or budget, numbered by the engine) and the
 * agent's id. Immutable.
 */
public final class ScopedKey {

  public final int scope;
  public final String id;
  private final int hash;

  public ScopedKey(int scope, String id) {
    this.scope = scope;
    this.id = id;
    this.hash = id.hashCode() * 31 + scope;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ScopedKey other
        && hash == other.hash
        && scope == other.scope
        && id.equals(other.id);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return scope + ":" + id;
  }
}
