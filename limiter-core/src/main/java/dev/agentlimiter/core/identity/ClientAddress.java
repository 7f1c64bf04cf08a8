package dev.agentlimiter.core.identity;

import dev.agentlimiter.api.RequestView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The client address of an anonymous request, the identity of last resort. The one configured {@link
 * ForwardedHeader} is read <b>only when the direct peer is a trusted proxy</b>, and then from the right: each
 * hop a trusted proxy appended is skipped, and the first address that is not a trusted proxy is the client.
 * Everything to its left was written by the client itself and is ignored, which is what defeats the classic
 * bypass of trusting the leftmost {@code X-Forwarded-For} value. <b>Every other forwarding header is
 * ignored</b>: a proxy passes through the headers it does not write, so they are the client's. A hop that is
 * not an address ({@code unknown}, an obfuscated identifier, garbage) stops the walk at the trusted proxy
 * that reported it. No trusted proxies (the default) means the socket address, always.
 *
 * <p>IPv6 clients are keyed on their /64 network by default, since one host can use any address of its
 * /64. Immutable and thread-safe.
 */
final class ClientAddress {

  /** Hops read from the right at most; a longer chain is cut on the left, which only the client wrote. */
  static final int MAX_HOPS = 64;

  private final List<Cidr> trusted;
  private final ForwardedHeader header;
  private final int ipv6Prefix;

  ClientAddress(List<Cidr> trusted, ForwardedHeader header, int ipv6Prefix) {
    if (ipv6Prefix < 1 || ipv6Prefix > 128) {
      throw new IllegalArgumentException("ipv6Prefix must be 1 to 128 but was " + ipv6Prefix);
    }
    this.trusted = List.copyOf(trusted);
    this.header = Objects.requireNonNull(header, "header");
    this.ipv6Prefix = ipv6Prefix;
  }

  /** The key of the request's client: an IPv4 address, or an IPv6 network such as {@code 2001:db8:0:1::/64}. */
  String resolve(RequestView request) {
    byte[] client = clientAddress(request);
    if (client == null) {
      return "peer:" + request.remoteAddress(); // not an IP socket: key on what the container says
    }
    return key(client);
  }

  /** The client's address bytes, or {@code null} if the peer itself is not an IP address. */
  byte @Nullable [] clientAddress(RequestView request) {
    byte[] peer = node(request.remoteAddress());
    if (peer == null) {
      return null;
    }
    if (!isTrusted(peer)) {
      return peer;
    }
    Deque<String> hops = forwardedHops(request);
    byte[] nearest = peer;
    while (!hops.isEmpty()) {
      byte[] hop = node(hops.removeLast());
      if (hop == null) {
        return nearest;
      }
      if (!isTrusted(hop)) {
        return hop;
      }
      nearest = hop;
    }
    return nearest;
  }

  private boolean isTrusted(byte[] address) {
    for (Cidr block : trusted) {
      if (block.contains(address)) {
        return true;
      }
    }
    return false;
  }

  String key(byte[] address) {
    if (address.length == 4 || ipv6Prefix == 128) {
      return IpLiteral.format(address);
    }
    return IpLiteral.format(Cidr.mask(address, ipv6Prefix)) + "/" + ipv6Prefix;
  }

  /** The last {@link #MAX_HOPS} hops of the configured header, leftmost first; no other header is read. */
  private Deque<String> forwardedHops(RequestView request) {
    List<String> values = request.headers(header.headerName());
    Deque<String> hops = new ArrayDeque<>();
    switch (header) {
      case FORWARDED -> {
        for (String value : values) {
          for (String element : elements(value)) {
            keepLast(hops, forValue(element));
          }
        }
      }
      case X_FORWARDED_FOR -> {
        for (String value : values) {
          for (String hop : value.split(",", -1)) {
            keepLast(hops, hop.trim());
          }
        }
      }
      case X_REAL_IP -> {
        if (!values.isEmpty()) {
          hops.add(values.get(values.size() - 1).trim());
        }
      }
    }
    return hops;
  }

  private static void keepLast(Deque<String> hops, String hop) {
    hops.addLast(hop);
    if (hops.size() > MAX_HOPS) {
      hops.removeFirst();
    }
  }

  /** The comma-separated elements of a {@code Forwarded} value; commas inside quoted strings do not split. */
  static List<String> elements(String value) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (quoted && c == '\\' && i + 1 < value.length()) {
        current.append(c).append(value.charAt(++i));
        continue;
      }
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        out.add(current.toString().trim());
        current.setLength(0);
        continue;
      }
      current.append(c);
    }
    out.add(current.toString().trim());
    return out;
  }

  /** The {@code for} parameter of one element, unquoted; empty if there is none. */
  static String forValue(String element) {
    for (String pair : element.split(";", -1)) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
        String v = pair.substring(eq + 1).trim();
        if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
          v = v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return v;
      }
    }
    return "";
  }

  /**
   * A node as forwarding headers and containers write it: {@code 192.0.2.1}, {@code 192.0.2.1:8080},
   * {@code 2001:db8::1}, {@code [2001:db8::1]} or {@code [2001:db8::1]:8080}; {@code null} for anything
   * else (including {@code unknown} and obfuscated identifiers).
   */
  static byte @Nullable [] node(String text) {
    String t = text.trim();
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0 || !(close == t.length() - 1 || isPort(t.substring(close + 1)))) {
        return null;
      }
      byte[] a = IpLiteral.parse(t.substring(1, close));
      return a != null && t.substring(1, close).indexOf(':') >= 0 ? a : null;
    }
    int colon = t.indexOf(':');
    if (colon >= 0 && colon == t.lastIndexOf(':')) {
      // one colon: IPv4 with a port
      return isPort(t.substring(colon)) ? ipv4Only(t.substring(0, colon)) : null;
    }
    return IpLiteral.parse(t);
  }

  private static byte @Nullable [] ipv4Only(String text) {
    return text.indexOf(':') < 0 ? IpLiteral.parse(text) : null;
  }

  private static boolean isPort(String colonAndDigits) {
    int n = colonAndDigits.length();
    if (n < 2 || n > 6 || colonAndDigits.charAt(0) != ':') {
      return false;
    }
    for (int i = 1; i < n; i++) {
      if (colonAndDigits.charAt(i) < '0' || colonAndDigits.charAt(i) > '9') {
        return false;
      }
    }
    return Integer.parseInt(colonAndDigits.substring(1)) <= 65535;
  }
}
