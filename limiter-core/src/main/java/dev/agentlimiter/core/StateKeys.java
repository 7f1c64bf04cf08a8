package dev.agentlimiter.core;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentitySource;

/**
 * The key all of an agent's state is stored under: its {@linkplain IdentitySource source} and its id, so that
 * identities of different sources never share a bucket, a watch, a permit, a penalty box or a budget. An API
 * key entry, a JWT subject, a principal and a client address that all read {@code ip:127.0.0.1} are four
 * agents.
 *
 * <p>The key of a client-address identity ({@link IdentitySource#IP}, the anonymous hot path) is its id
 * unchanged; every other source puts one control character of its own in front. Agent ids never contain
 * control characters ({@link AgentIdentity} refuses them), so no key of one source can equal a key of
 * another. {@link #display} turns a key back into the id that events and statuses report.
 */
final class StateKeys {

  private StateKeys() {}

  /** The state key of {@code agent}. */
  static String of(AgentIdentity agent) {
    String prefix = prefix(agent.source());
    return prefix.isEmpty() ? agent.id() : prefix.concat(agent.id());
  }

  /** One control character per source but the client address's, which has none. */
  private static String prefix(IdentitySource source) {
    return switch (source) {
      case IP -> "";
      case API_KEY -> "\u0001";
      case JWT -> "\u0002";
      case PRINCIPAL -> "\u0003";
      case MTLS -> "\u0004";
    };
  }

  /** The agent id a state key was made from, as events and statuses report it. */
  static String display(String key) {
    return !key.isEmpty() && key.charAt(0) < 0x20 ? key.substring(1) : key;
  }
}
