package dev.agentlimiter.core.identity;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.ApiKeyStore;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentityResult.Rejected;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Route;
import java.security.Principal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The identity resolvers of the core module. Put them in a chain with {@code
 * AgentLimiters.newBuilder().identity(...)}, strongest first; the first that does not abstain decides, and a
 * credential that fails verification stops the chain (it never falls through to a weaker resolver):
 *
 * <pre>{@code
 * .identity(
 *     IdentityResolvers.principal(),                 // the container already authenticated
 *     jwtResolver,                                    // limiter-jwt: abstains on non-JWT bearer values
 *     IdentityResolvers.apiKeys(keyStore),            // Authorization: Bearer <key>
 *     IdentityResolvers.clientCertificate(CertificateName.SUBJECT_CN))
 * }</pre>
 *
 * <p>The client address is not in the chain: it is the identity of last resort, only for routes that
 * {@linkplain Route#allowsAnonymous() serve anonymous callers}, and configured with {@code
 * AgentLimiters.Builder.trustedProxies}. Every resolver here is immutable, thread-safe, never blocks, and
 * never throws for a malformed credential.
 */
public final class IdentityResolvers {

  /** Rejection cause {@value}: the credential is not even shaped like one; {@link Rejected#MALFORMED}. */
  public static final String MALFORMED = Rejected.MALFORMED;

  /** Rejection cause {@value}: no key with this hash is known; {@link Rejected#UNKNOWN_KEY}. */
  public static final String UNKNOWN_KEY = Rejected.UNKNOWN_KEY;

  /** Rejection cause {@value}: the key was revoked; {@link Rejected#REVOKED}. */
  public static final String REVOKED = Rejected.REVOKED;

  /** Rejection cause {@value}: the key or certificate has expired; {@link Rejected#EXPIRED}. */
  public static final String EXPIRED = Rejected.EXPIRED;

  /** Rejection cause {@value}: the key store threw; {@link Rejected#STORE_UNAVAILABLE}. */
  public static final String STORE_UNAVAILABLE = Rejected.STORE_UNAVAILABLE;

  /**
   * Rejection cause {@value}: a client certificate carries no usable name; {@link
   * Rejected#NO_CERTIFICATE_NAME}.
   */
  public static final String NO_CERTIFICATE_NAME = Rejected.NO_CERTIFICATE_NAME;

  /** Which name of a client certificate identifies the agent. */
  public enum CertificateName {
    /** The subject's common name ({@code CN}). */
    SUBJECT_CN,
    /** The first DNS subject alternative name. */
    SAN_DNS,
    /** The first URI subject alternative name, such as a SPIFFE id. */
    SAN_URI,
    /** The first e-mail subject alternative name. */
    SAN_EMAIL
  }

  private IdentityResolvers() {}

  /**
   * The principal the container or application authenticated, as an identity in the default tier with no
   * scopes; abstains when there is none.
   */
  public static IdentityResolver principal() {
    return principal(p -> AgentIdentity.of(p.getName(), IdentitySource.PRINCIPAL));
  }

  /**
   * The principal the container or application authenticated, mapped to an identity (for example with a
   * tier and scopes from the application's user store). Abstains when there is no principal or the mapping
   * returns {@code null}; a mapping that throws rejects the request ({@value Rejected#BAD_PRINCIPAL}).
   */
  public static IdentityResolver principal(Function<Principal, @Nullable AgentIdentity> mapping) {
    Objects.requireNonNull(mapping, "mapping");
    return request -> {
      Principal p = request.principal().orElse(null);
      if (p == null) {
        return IdentityResult.abstain();
      }
      try {
        AgentIdentity identity = mapping.apply(p);
        return identity == null ? IdentityResult.abstain() : new IdentityResult.Identified(identity);
      } catch (RuntimeException e) {
        return new Rejected(Rejected.BAD_PRINCIPAL);
      }
    };
  }

  /**
   * API keys from {@code Authorization: Bearer <key>}, looked up in {@code store}; abstains when there is no
   * {@code Authorization} header or it uses another scheme. Causes: {@link #MALFORMED}, {@link
   * #UNKNOWN_KEY}, {@link #REVOKED}, {@link #EXPIRED}, {@link #STORE_UNAVAILABLE}. Put a JWT resolver
   * before it: every bearer value that reaches this resolver is treated as an API key.
   */
  public static IdentityResolver apiKeys(ApiKeyStore store) {
    return apiKeys(store, "Authorization", Clock.systemUTC());
  }

  /**
   * API keys from a header, such as {@code X-Api-Key} (the whole value is the key), or {@code
   * Authorization} (a {@code Bearer} value), with expiry read from {@code clock}.
   *
   * @throws IllegalArgumentException if the header name is empty or not an HTTP token
   */
  public static IdentityResolver apiKeys(ApiKeyStore store, String header, Clock clock) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(clock, "clock");
    if (header.isEmpty() || !header.chars().allMatch(IdentityResolvers::isTokenChar)) {
      throw new IllegalArgumentException("api key header must be an HTTP token but was '" + header + "'");
    }
    return new ApiKeyResolver(store, header, clock);
  }

  /**
   * The client certificate the container verified during the TLS handshake (mutual TLS); abstains when the
   * connection has none. The container has already checked the chain against its trust store; this
   * resolver also refuses a certificate outside its validity period ({@link #EXPIRED}) and one without the
   * chosen name ({@link #NO_CERTIFICATE_NAME}). Identities are in the default tier with no scopes.
   */
  public static IdentityResolver clientCertificate(CertificateName name) {
    return new CertificateResolver(Objects.requireNonNull(name, "name"), Clock.systemUTC());
  }

  static IdentityResolver clientCertificate(CertificateName name, Clock clock) {
    return new CertificateResolver(name, clock);
  }

  /**
   * The client address of anonymous callers, read from {@code X-Forwarded-For} behind {@code
   * trustedProxies}: as {@link #clientAddress(List, ForwardedHeader, int)} with {@link
   * ForwardedHeader#X_FORWARDED_FOR} and IPv6 clients keyed on their /64.
   *
   * @param trustedProxies CIDR blocks such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; empty (the
   *     default) trusts no forwarding header
   * @throws IllegalArgumentException if a block is not a valid CIDR, naming it
   */
  public static IdentityResolver clientAddress(List<String> trustedProxies) {
    return clientAddress(trustedProxies, ForwardedHeader.X_FORWARDED_FOR, 64);
  }

  /**
   * As {@link #clientAddress(List)}, keying IPv6 clients on networks of {@code ipv6PrefixLength} bits.
   *
   * @throws IllegalArgumentException if a block is not a valid CIDR or the prefix is not 1 to 128
   */
  public static IdentityResolver clientAddress(List<String> trustedProxies, int ipv6PrefixLength) {
    return clientAddress(trustedProxies, ForwardedHeader.X_FORWARDED_FOR, ipv6PrefixLength);
  }

  /**
   * The client address of anonymous callers. When the direct peer is inside one of {@code trustedProxies},
   * <b>only {@code header}</b> is read, from the right, and the rightmost address that is not a trusted
   * proxy is the client; every other forwarding header is ignored, however well formed. Otherwise the
   * socket address. Always identifies, as {@code "ip:<address>"} in the {@value Route#ANONYMOUS_TIER} tier
   * with {@link IdentitySource#IP}.
   *
   * @param trustedProxies CIDR blocks such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; empty trusts no
   *     forwarding header
   * @param header the one header the trusted proxies write
   * @param ipv6PrefixLength IPv6 clients are keyed on their network of this many bits (64 by default)
   * @throws IllegalArgumentException if a block is not a valid CIDR, naming it, or the prefix is not 1 to
   *     128
   */
  public static IdentityResolver clientAddress(
      List<String> trustedProxies, ForwardedHeader header, int ipv6PrefixLength) {
    Objects.requireNonNull(header, "header");
    List<Cidr> blocks = new ArrayList<>();
    for (String block : trustedProxies) {
      blocks.add(Cidr.parse(block));
    }
    ClientAddress address = new ClientAddress(blocks, header, ipv6PrefixLength);
    return request -> new IdentityResult.Identified(anonymous("ip:" + address.resolve(request)));
  }

  private static AgentIdentity anonymous(String id) {
    try {
      return new AgentIdentity(id, Route.ANONYMOUS_TIER, Set.of(), IdentitySource.IP);
    } catch (IllegalArgumentException e) {
      // a peer that is not an IP socket, described by the container in a way no id can hold
      return new AgentIdentity("ip:unknown", Route.ANONYMOUS_TIER, Set.of(), IdentitySource.IP);
    }
  }

  private static boolean isTokenChar(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
