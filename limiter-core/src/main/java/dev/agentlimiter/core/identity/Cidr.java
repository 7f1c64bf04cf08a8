package dev.agentlimiter.core.identity;

import java.util.Arrays;

/**
 * A block of addresses such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}. A plain address is a block of
 * one. IPv4 blocks match IPv4 peers, including IPv4-mapped IPv6 ones; IPv6 blocks match IPv6 peers.
 * Immutable.
 */
final class Cidr {

  private final byte[] network;
  private final int prefix;

  private Cidr(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Parses a block.
   *
   * @throws IllegalArgumentException naming the text, if it is not an address with an optional prefix
   *     length that fits it, or if bits are set beyond the prefix (a likely typo such as 10.0.0.1/8)
   */
  static Cidr parse(String text) {
    int slash = text.indexOf('/');
    String address = slash < 0 ? text : text.substring(0, slash);
    byte[] bytes = IpLiteral.parse(address);
    if (bytes == null) {
      throw new IllegalArgumentException(
          "trusted proxy '" + text + "': not an IPv4 or IPv6 address or block");
    }
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String length = text.substring(slash + 1);
      if (length.isEmpty() || length.length() > 3 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException(
            "trusted proxy '" + text + "': prefix length must be 0 to " + bits);
      }
      prefix = Integer.parseInt(length);
      if (prefix > bits) {
        throw new IllegalArgumentException(
            "trusted proxy '" + text + "': prefix length must be 0 to " + bits);
      }
    }
    byte[] masked = mask(bytes, prefix);
    if (!Arrays.equals(masked, bytes)) {
      throw new IllegalArgumentException(
          "trusted proxy '"
              + text
              + "': bits are set beyond the prefix; did you mean "
              + IpLiteral.format(masked)
              + "/"
              + prefix
              + "?");
    }
    return new Cidr(masked, prefix);
  }

  /** A copy of {@code address} with every bit after the first {@code prefix} cleared. */
  static byte[] mask(byte[] address, int prefix) {
    byte[] out = address.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] &= (byte) (0xff << (8 - keep));
    }
    return out;
  }

  /** Whether the address (4 or 16 bytes) is in this block. */
  boolean contains(byte[] address) {
    if (address.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int m = 0xff << (8 - rest) & 0xff;
    return (address[full] & m) == (network[full] & 0xff);
  }

  @Override
  public String toString() {
    return IpLiteral.format(network) + "/" + prefix;
  }
}
