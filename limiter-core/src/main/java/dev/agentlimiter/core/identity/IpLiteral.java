package dev.agentlimiter.core.identity;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;

/**
 * Strict parsing of IP address literals: never a host name, so never a DNS lookup. IPv4 is four decimal
 * octets without leading zeros (so {@code 010.0.0.1} is refused rather than read as octal or decimal);
 * IPv6 is any RFC 4291 text form without a zone. An IPv4-mapped IPv6 address ({@code ::ffff:192.0.2.1}) is
 * the IPv4 address, as dual-stack servers report IPv4 peers that way.
 */
final class IpLiteral {

  private IpLiteral() {}

  /** The address's bytes (4 or 16), or {@code null} if {@code text} is not a literal. */
  static byte @Nullable [] parse(String text) {
    if (text.isEmpty() || text.length() > 45) {
      return null;
    }
    if (text.indexOf(':') < 0) {
      return ipv4(text);
    }
    if (text.charAt(0) == '.') {
      return null; // InetAddress parses literals only when they start with a hex digit or ':'
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean ok =
          c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!ok) {
        return null; // ASCII only: no zone ids, brackets, spaces or anything a resolver would look up
      }
    }
    byte[] bytes;
    try {
      // a string with ':' and only hex digits, ':' and '.' is parsed as an IPv6 literal, never resolved
      bytes = InetAddress.getByName(text).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
    return bytes.length == 16 && isMappedV4(bytes) ? java.util.Arrays.copyOfRange(bytes, 12, 16) : bytes;
  }

  private static boolean isMappedV4(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
  }

  private static byte @Nullable [] ipv4(String text) {
    byte[] out = new byte[4];
    int octet = 0;
    int value = -1;
    int digits = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i == text.length() ? '.' : text.charAt(i);
      if (c == '.') {
        if (digits == 0 || octet == 4) {
          return null;
        }
        out[octet++] = (byte) value;
        value = -1;
        digits = 0;
      } else if (c >= '0' && c <= '9') {
        if (digits > 0 && value == 0) {
          return null; // a leading zero
        }
        value = (value < 0 ? 0 : value * 10) + (c - '0');
        if (value > 255) {
          return null;
        }
        digits++;
      } else {
        return null;
      }
    }
    return octet == 4 ? out : null;
  }

  /** The canonical text of an address (as {@link InetAddress#getHostAddress()} writes it). */
  static String format(byte[] address) {
    try {
      return InetAddress.getByAddress(address).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + address.length, e);
    }
  }
}
