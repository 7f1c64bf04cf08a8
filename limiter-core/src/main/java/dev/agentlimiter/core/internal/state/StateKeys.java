package dev.agentlimiter.core.internal.state;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentitySource;

/**
 * The key all of an agent's state is stored under: its {@linkplain IdentitySource source} and its id, so that
 * identities of different sources never share a bucket, a watch, a permit, a penalty box or a budget. An API
 * key entry, a JWT subject, a principal and a client address that all read {@code ip:127.0.0.1} are four
 * agents.
 *
 * <p>The key of a client-address identity ({@link IdentitySource#IP}, the anonymous hot path) is its id
 * unchanged; every other source puts one control character of its own in front ({@link AgentIdentity#key()}
 * makes it once, when the identity is built, so an identity held by a key store costs nothing per request).
 * Agent ids never contain control characters ({@link AgentIdentity} refuses them), so no key of one source
 * can equal a key of another. {@link #display} turns a key back into the id that events and statuses
 * report.
 */
public final class StateKeys {

  private StateKeys() {}

  /** The state key of {@code agent}: {@link AgentIdentity#key()}, computed once per identity. */
  public static String of(AgentIdentity agent) {
    return agent.key();
  }

  /** The identity source a state key was made from: the inverse of {@link AgentIdentity#key()}'s prefix. */
  public static IdentitySource source(String key) {
    if (key.isEmpty()) {
      return IdentitySource.IP;
    }
    return switch (key.charAt(0)) {
      case '\u0001' -> IdentitySource.API_KEY;
      case '\u0002' -> IdentitySource.JWT;
      case '\u0003' -> IdentitySource.PRINCIPAL;
      case '\u0004' -> IdentitySource.MTLS;
      default -> IdentitySource.IP;
    };
  }

  /** The agent id a state key was made from, as events and statuses report it. */
  public static String display(String key) {
    return !key.isEmpty() && key.charAt(0) < 0x20 ? key.substring(1) : key;
  }
}
