package dev.agentlimiter.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Client addresses behind trusted proxies. The attacker writes whatever it likes into forwarding headers;
 * only what trusted proxies appended on the right is believed.
 */
class ClientAddressProperties {

  private static final List<Cidr> TRUSTED =
      List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8:1::/48"));
  private static final ClientAddress BEHIND_PROXIES = new ClientAddress(TRUSTED, 64);
  private static final ClientAddress DIRECT = new ClientAddress(List.of(), 64);

  @Provide
  Arbitrary<String> junk() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.of(
            "10.0.0.1", "127.0.0.1", "unknown", "_hidden", "[2001:db8:1::9]:80", "1.2.3.4:99999",
            "\"for=1.1.1.1\"", "for=8.8.8.8", "::1", "010.0.0.1", " , ", "\r\n1.1.1.1", "[::1"),
        Arbitraries.integers().between(0, 255).list().ofSize(4)
            .map(o -> o.get(0) + "." + o.get(1) + "." + o.get(2) + "." + o.get(3)));
  }

  @Provide
  Arbitrary<String> client() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(0, 255).map(i -> "203.0.113." + i),
        Arbitraries.integers().between(0, 0xffff).map(i -> "2001:db8:2:" + Integer.toHexString(i) + "::7"));
  }

  @Provide
  Arbitrary<String> proxy() {
    return Arbitraries.oneOf(
        Arbitraries.integers().between(0, 255).map(i -> "10.1.2." + i),
        Arbitraries.integers().between(0, 0xffff).map(i -> "2001:db8:1::" + Integer.toHexString(i)));
  }

  /**
   * Whatever the client put on the left (addresses, trusted-looking addresses, garbage, injected syntax),
   * the address the first trusted proxy appended is the one chosen, in X-Forwarded-For and in Forwarded.
   */
  @Property(tries = 1000)
  void spoofedHopsOnTheLeftNeverWin(
      @ForAll @Size(max = 5) List<@net.jqwik.api.From("junk") String> spoofed,
      @ForAll("client") String client,
      @ForAll @Size(max = 4) List<@net.jqwik.api.From("proxy") String> proxies,
      @ForAll("proxy") String peer,
      @ForAll boolean withPorts) {
    List<String> hops = new ArrayList<>(spoofed);
    hops.add(withPorts ? withPort(client) : client);
    for (String p : proxies) {
      hops.add(withPorts ? withPort(p) : p);
    }
    String expected = BEHIND_PROXIES.key(java.util.Objects.requireNonNull(IpLiteral.parse(client)));

    FakeRequest xff = new FakeRequest(peer).header("X-Forwarded-For", String.join(", ", hops));
    assertThat(BEHIND_PROXIES.resolve(xff)).isEqualTo(expected);

    List<String> elements = new ArrayList<>();
    for (String hop : hops) {
      elements.add("for=\"" + hop.replace("\\", "\\\\").replace("\"", "\\\"") + "\";proto=https");
    }
    FakeRequest forwarded =
        new FakeRequest(peer)
            .header("Forwarded", String.join(", ", elements))
            .header("X-Forwarded-For", "6.6.6.6"); // ignored: Forwarded wins
    assertThat(BEHIND_PROXIES.resolve(forwarded)).isEqualTo(expected);
  }

  /** With no trusted proxies, or from an untrusted peer, headers are never read. */
  @Property(tries = 500)
  void headersFromAnUntrustedPeerAreIgnored(
      @ForAll @Size(max = 5) List<@net.jqwik.api.From("junk") String> spoofed, @ForAll("client") String peer) {
    FakeRequest request =
        new FakeRequest(peer)
            .header("X-Forwarded-For", String.join(",", spoofed))
            .header("Forwarded", "for=" + String.join(",for=", spoofed))
            .header("X-Real-IP", "10.0.0.1");
    String expected = DIRECT.key(java.util.Objects.requireNonNull(IpLiteral.parse(peer)));
    assertThat(DIRECT.resolve(request)).isEqualTo(expected);
    assertThat(BEHIND_PROXIES.resolve(request)).isEqualTo(expected);
  }

  /** A hop that is not an address stops the walk at the trusted proxy that reported it. */
  @Property(tries = 200)
  void garbageStopsAtTheReportingProxy(
      @ForAll("proxy") String reporter, @ForAll @IntRange(min = 0, max = 3) int more) {
    for (String bad : new String[] {"unknown", "_obfuscated", "1.2.3", "[::1", "example.com", ""}) {
      List<String> hops = new ArrayList<>(List.of("203.0.113.9", bad, reporter));
      for (int i = 0; i < more; i++) {
        hops.add("10.9.9." + i);
      }
      FakeRequest request = new FakeRequest("10.0.0.254").header("X-Forwarded-For", String.join(",", hops));
      assertThat(BEHIND_PROXIES.resolve(request)).as(bad).isEqualTo(BEHIND_PROXIES.key(java.util.Objects.requireNonNull(IpLiteral.parse(reporter))));
    }
  }

  @Test
  void rfc7239Examples() {
    FakeRequest quotedV6 =
        new FakeRequest("10.0.0.1").header("Forwarded", "For=\"[2001:db8:cafe::17]:4711\"");
    assertThat(BEHIND_PROXIES.resolve(quotedV6)).isEqualTo("2001:db8:cafe:0:0:0:0:0/64");
    FakeRequest params =
        new FakeRequest("10.0.0.1").header("Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43");
    assertThat(BEHIND_PROXIES.resolve(params)).isEqualTo("192.0.2.60");
    FakeRequest list =
        new FakeRequest("10.0.0.1").header("Forwarded", "for=192.0.2.43, for=198.51.100.17");
    assertThat(BEHIND_PROXIES.resolve(list)).isEqualTo("198.51.100.17");
    FakeRequest split =
        new FakeRequest("10.0.0.1")
            .header("Forwarded", "for=192.0.2.43")
            .header("Forwarded", "for=10.0.0.7");
    assertThat(BEHIND_PROXIES.resolve(split)).as("repeated headers join in order").isEqualTo("192.0.2.43");
    FakeRequest hidden = new FakeRequest("10.0.0.1").header("Forwarded", "for=\"_gazonk\"");
    assertThat(BEHIND_PROXIES.resolve(hidden)).isEqualTo("10.0.0.1");
    FakeRequest commaInQuotes =
        new FakeRequest("10.0.0.1").header("Forwarded", "for=\"1.1.1.1, for=10.0.0.2\", for=192.0.2.5");
    assertThat(BEHIND_PROXIES.resolve(commaInQuotes)).isEqualTo("192.0.2.5");
  }

  @Test
  void realIpAndPeersAsContainersWriteThem() {
    assertThat(BEHIND_PROXIES.resolve(new FakeRequest("10.0.0.1").header("X-Real-IP", "192.0.2.8")))
        .isEqualTo("192.0.2.8");
    assertThat(BEHIND_PROXIES.resolve(new FakeRequest("[2001:db8:9::1]"))).isEqualTo("2001:db8:9:0:0:0:0:0/64");
    assertThat(BEHIND_PROXIES.resolve(new FakeRequest("::ffff:192.0.2.1"))).isEqualTo("192.0.2.1");
    assertThat(DIRECT.resolve(new FakeRequest("unix:/run/app.sock"))).isEqualTo("peer:unix:/run/app.sock");
    assertThat(new ClientAddress(List.of(), 128).resolve(new FakeRequest("2001:db8:9::1")))
        .isEqualTo("2001:db8:9:0:0:0:0:1");
  }

  /** A chain longer than the hops read: only the right end counts, and it cannot reach the spoofed part. */
  @Test
  void aHugeChainIsCutOnTheLeft() {
    StringBuilder chain = new StringBuilder("6.6.6.6");
    for (int i = 0; i < 10_000; i++) {
      chain.append(", 10.0.").append(i % 250).append('.').append(i % 200);
    }
    String resolved =
        BEHIND_PROXIES.resolve(new FakeRequest("10.0.0.1").header("X-Forwarded-For", chain.toString()));
    assertThat(resolved).startsWith("10.").isNotEqualTo("6.6.6.6");
  }

  private static String withPort(String address) {
    return address.indexOf(':') >= 0 ? "[" + address + "]:443" : address + ":443";
  }
}
