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
  private static final ClientAddress BEHIND_PROXIES =
      new ClientAddress(TRUSTED, ForwardedHeader.X_FORWARDED_FOR, 64);
  private static final ClientAddress BEHIND_FORWARDING_PROXIES =
      new ClientAddress(TRUSTED, ForwardedHeader.FORWARDED, 64);
  private static final ClientAddress BEHIND_REAL_IP_PROXIES =
      new ClientAddress(TRUSTED, ForwardedHeader.X_REAL_IP, 64);
  private static final ClientAddress DIRECT =
      new ClientAddress(List.of(), ForwardedHeader.X_FORWARDED_FOR, 64);

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
   * the address the first trusted proxy appended is the one chosen, in X-Forwarded-For and in Forwarded,
   * each read by a limiter configured for it.
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
            .header("X-Forwarded-For", "6.6.6.6"); // ignored: not the configured header
    assertThat(BEHIND_FORWARDING_PROXIES.resolve(forwarded)).isEqualTo(expected);
  }

  /** A value of any forwarding header: well-formed chains of each kind, single addresses, and garbage. */
  @Provide
  Arbitrary<String> anyForwardingValue() {
    Arbitrary<String> hop = Arbitraries.oneOf(client(), proxy(), junk());
    return Arbitraries.oneOf(
        hop,
        hop.list().ofMinSize(1).ofMaxSize(6).map(l -> String.join(", ", l)),
        hop.list().ofMinSize(1).ofMaxSize(6).map(ClientAddressProperties::forwardedElements),
        client().map(c -> "for=" + c),
        Arbitraries.strings().ofMaxLength(60));
  }

  @Provide
  Arbitrary<List<String>> lines() {
    return anyForwardingValue().list().ofMaxSize(3);
  }

  @Provide
  Arbitrary<String> anyPeer() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, proxy()), net.jqwik.api.Tuple.of(1, client()));
  }

  /**
   * Issue 14: for any combination of headers of the kinds the limiter is not configured for, written by the
   * client beside the configured one, the key is the one the configured header gives alone (which includes:
   * when the configured header is absent, the peer's).
   */
  @Property(tries = 1000)
  void onlyTheConfiguredHeaderIsRead(
      @ForAll ForwardedHeader configured,
      @ForAll("lines") List<String> configuredLines,
      @ForAll("lines") List<String> forwardedLines,
      @ForAll("lines") List<String> xffLines,
      @ForAll("lines") List<String> realIpLines,
      @ForAll("anyPeer") String peer) {
    ClientAddress address = new ClientAddress(TRUSTED, configured, 64);
    FakeRequest alone = new FakeRequest(peer);
    configuredLines.forEach(v -> alone.header(configured.headerName(), v));

    FakeRequest spoofed = new FakeRequest(peer);
    for (ForwardedHeader kind : ForwardedHeader.values()) {
      if (kind != configured) {
        linesOf(kind, forwardedLines, xffLines, realIpLines).forEach(v -> spoofed.header(kind.headerName(), v));
      }
    }
    configuredLines.forEach(v -> spoofed.header(configured.headerName(), v));
    for (ForwardedHeader kind : ForwardedHeader.values()) { // and after it, in another case
      if (kind != configured) {
        String upper = kind.headerName().toUpperCase(java.util.Locale.ROOT);
        linesOf(kind, forwardedLines, xffLines, realIpLines).forEach(v -> spoofed.header(upper, v));
      }
    }
    assertThat(address.resolve(spoofed)).isEqualTo(address.resolve(alone));
  }

  /**
   * Issue 14: the configured header carries the chain the trusted proxies wrote; whatever the client wrote in
   * the other kinds, even well-formed addresses it chose, the key is the real client's.
   */
  @Property(tries = 1000)
  void theOtherHeadersNeverMoveTheKeyOffTheRealClient(
      @ForAll ForwardedHeader configured,
      @ForAll("client") String client,
      @ForAll @Size(max = 3) List<@net.jqwik.api.From("proxy") String> proxies,
      @ForAll("proxy") String peer,
      @ForAll("anyForwardingValue") String forwardedSpoof,
      @ForAll("anyForwardingValue") String xffSpoof,
      @ForAll("client") String realIpSpoof) {
    ClientAddress address = new ClientAddress(TRUSTED, configured, 64);
    List<String> chain = new ArrayList<>(List.of(client));
    if (configured != ForwardedHeader.X_REAL_IP) { // X-Real-IP is one hop, set by the peer
      chain.addAll(proxies);
    }
    String written =
        switch (configured) {
          case X_FORWARDED_FOR -> String.join(", ", chain);
          case FORWARDED -> forwardedElements(chain);
          case X_REAL_IP -> client;
        };
    FakeRequest request = new FakeRequest(peer);
    if (configured != ForwardedHeader.FORWARDED) {
      request.header("Forwarded", forwardedSpoof);
    }
    if (configured != ForwardedHeader.X_FORWARDED_FOR) {
      request.header("X-Forwarded-For", xffSpoof);
    }
    if (configured != ForwardedHeader.X_REAL_IP) {
      request.header("X-Real-IP", realIpSpoof);
    }
    request.header(configured.headerName(), written);
    assertThat(address.resolve(request))
        .isEqualTo(address.key(java.util.Objects.requireNonNull(IpLiteral.parse(client))));
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
    assertThat(BEHIND_FORWARDING_PROXIES.resolve(request)).isEqualTo(expected);
    assertThat(BEHIND_REAL_IP_PROXIES.resolve(request)).isEqualTo(expected);
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
    assertThat(BEHIND_FORWARDING_PROXIES.resolve(quotedV6)).isEqualTo("2001:db8:cafe:0:0:0:0:0/64");
    FakeRequest params =
        new FakeRequest("10.0.0.1").header("Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43");
    assertThat(BEHIND_FORWARDING_PROXIES.resolve(params)).isEqualTo("192.0.2.60");
    FakeRequest list =
        new FakeRequest("10.0.0.1").header("Forwarded", "for=192.0.2.43, for=198.51.100.17");
    assertThat(BEHIND_FORWARDING_PROXIES.resolve(list)).isEqualTo("198.51.100.17");
    FakeRequest split =
        new FakeRequest("10.0.0.1")
            .header("Forwarded", "for=192.0.2.43")
            .header("Forwarded", "for=10.0.0.7");
    assertThat(BEHIND_FORWARDING_PROXIES.resolve(split)).as("repeated headers join in order").isEqualTo("192.0.2.43");
    FakeRequest hidden = new FakeRequest("10.0.0.1").header("Forwarded", "for=\"_gazonk\"");
    assertThat(BEHIND_FORWARDING_PROXIES.resolve(hidden)).isEqualTo("10.0.0.1");
    FakeRequest commaInQuotes =
        new FakeRequest("10.0.0.1").header("Forwarded", "for=\"1.1.1.1, for=10.0.0.2\", for=192.0.2.5");
    assertThat(BEHIND_FORWARDING_PROXIES.resolve(commaInQuotes)).isEqualTo("192.0.2.5");
  }

  @Test
  void realIpAndPeersAsContainersWriteThem() {
    assertThat(BEHIND_REAL_IP_PROXIES.resolve(new FakeRequest("10.0.0.1").header("X-Real-IP", "192.0.2.8")))
        .isEqualTo("192.0.2.8");
    assertThat(
            BEHIND_REAL_IP_PROXIES.resolve(
                new FakeRequest("10.0.0.1").header("X-Real-IP", "6.6.6.6").header("X-Real-IP", "192.0.2.8")))
        .as("the last line is the proxy's")
        .isEqualTo("192.0.2.8");
    assertThat(BEHIND_REAL_IP_PROXIES.resolve(new FakeRequest("10.0.0.1").header("X-Real-IP", "6.6.6.6, 192.0.2.8")))
        .as("a list is not one address")
        .isEqualTo("10.0.0.1");
    assertThat(BEHIND_PROXIES.resolve(new FakeRequest("[2001:db8:9::1]"))).isEqualTo("2001:db8:9:0:0:0:0:0/64");
    assertThat(BEHIND_PROXIES.resolve(new FakeRequest("::ffff:192.0.2.1"))).isEqualTo("192.0.2.1");
    assertThat(DIRECT.resolve(new FakeRequest("unix:/run/app.sock"))).isEqualTo("peer:unix:/run/app.sock");
    assertThat(new ClientAddress(List.of(), ForwardedHeader.X_FORWARDED_FOR, 128).resolve(new FakeRequest("2001:db8:9::1")))
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

  private static List<String> linesOf(
      ForwardedHeader kind, List<String> forwarded, List<String> xff, List<String> realIp) {
    return switch (kind) {
      case FORWARDED -> forwarded;
      case X_FORWARDED_FOR -> xff;
      case X_REAL_IP -> realIp;
    };
  }

  private static String forwardedElements(List<String> hops) {
    List<String> elements = new ArrayList<>();
    for (String hop : hops) {
      elements.add("for=\"" + hop.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
    }
    return String.join(", ", elements);
  }

  private static String withPort(String address) {
    return address.indexOf(':') >= 0 ? "[" + address + "]:443" : address + ":443";
  }
}
