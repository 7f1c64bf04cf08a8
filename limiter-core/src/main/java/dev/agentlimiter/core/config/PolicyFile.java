package dev.agentlimiter.core.config;

import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.core.identity.ForwardedHeader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A policy file as read by {@link PolicyFiles}: the {@link PolicySet} it configures and its other sections
 * (identity, audit, metrics, reload), each empty where the file leaves it out. Immutable and thread-safe;
 * <b>equal when they configure the same</b>: the {@linkplain #source() source} is not compared, so a YAML
 * file and a JSON file of the same configuration are equal.
 */
public final class PolicyFile {

  private final String source;
  private final PolicySet policies;
  private final @Nullable Identity identity;
  private final @Nullable Audit audit;
  private final @Nullable Metrics metrics;
  private final @Nullable Reload reload;

  PolicyFile(
      String source,
      PolicySet policies,
      @Nullable Identity identity,
      @Nullable Audit audit,
      @Nullable Metrics metrics,
      @Nullable Reload reload) {
    this.source = source;
    this.policies = policies;
    this.identity = identity;
    this.audit = audit;
    this.metrics = metrics;
    this.reload = reload;
  }

  /** The file's name or path, as it appears in problems. */
  public String source() {
    return source;
  }

  /** The configuration value: policies, tier overrides, routes, credential-failure limit, inheritance. */
  public PolicySet policies() {
    return policies;
  }

  /** The {@code identity} section, if the file has one. */
  public Optional<Identity> identity() {
    return Optional.ofNullable(identity);
  }

  /** The {@code audit} section, if the file has one. */
  public Optional<Audit> audit() {
    return Optional.ofNullable(audit);
  }

  /** The {@code metrics} section, if the file has one. */
  public Optional<Metrics> metrics() {
    return Optional.ofNullable(metrics);
  }

  /** The {@code reload} section, if the file has one. */
  public Optional<Reload> reload() {
    return Optional.ofNullable(reload);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PolicyFile other
        && policies.equals(other.policies)
        && Objects.equals(identity, other.identity)
        && Objects.equals(audit, other.audit)
        && Objects.equals(metrics, other.metrics)
        && Objects.equals(reload, other.reload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(policies, identity, audit, metrics, reload);
  }

  @Override
  public String toString() {
    return "PolicyFile["
        + source
        + ": "
        + policies
        + (identity == null ? "" : ", " + identity)
        + (audit == null ? "" : ", " + audit)
        + (metrics == null ? "" : ", " + metrics)
        + (reload == null ? "" : ", " + reload)
        + "]";
  }

  /**
   * The {@code identity} section: how callers are identified. Read by whoever wires the limiter; nothing
   * here is applied by the {@link PolicySet}.
   *
   * @param apiKeyFile the API key file ({@code dev.agentlimiter.core.identity.FileApiKeyStore}), resolved
   *     against the policy file's directory
   * @param trustedProxies CIDR blocks of the proxies whose forwarding header is read; empty trusts none
   * @param forwardedHeader the one forwarding header those proxies write
   * @param jwt the JWT issuers accepted, in file order, for the JWT module
   */
  public record Identity(
      Optional<Path> apiKeyFile,
      List<String> trustedProxies,
      Optional<ForwardedHeader> forwardedHeader,
      List<JwtIssuer> jwt) {

    /** Copies the lists. */
    public Identity {
      Objects.requireNonNull(apiKeyFile, "apiKeyFile");
      trustedProxies = List.copyOf(trustedProxies);
      Objects.requireNonNull(forwardedHeader, "forwardedHeader");
      jwt = List.copyOf(jwt);
    }
  }

  /**
   * One JWT issuer of the {@code identity} section, as plain values for the JWT module.
   *
   * @param issuer the {@code iss} claim required
   * @param jwksUri where the issuer's keys are fetched, {@code https} (or {@code http})
   * @param audiences the {@code aud} value required, exactly one (the JWT resolver checks one per issuer)
   * @param algorithms the JWA signature algorithms accepted, at least one of RS256, RS384, RS512, PS256,
   *     PS384, PS512, ES256, ES384, ES512
   * @param clockSkew tolerance on {@code exp} and {@code nbf} (default 30 seconds)
   * @param requireExpiry always true: a token without {@code exp} is refused (the file cannot turn it off)
   */
  public record JwtIssuer(
      String issuer,
      URI jwksUri,
      List<String> audiences,
      List<String> algorithms,
      Duration clockSkew,
      boolean requireExpiry) {

    /** The default {@link #clockSkew()}. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

    /** Copies the lists. */
    public JwtIssuer {
      Objects.requireNonNull(issuer, "issuer");
      Objects.requireNonNull(jwksUri, "jwksUri");
      audiences = List.copyOf(audiences);
      algorithms = List.copyOf(algorithms);
      Objects.requireNonNull(clockSkew, "clockSkew");
    }
  }

  /**
   * The {@code audit} section.
   *
   * @param admissions whether admitted requests are written to the audit log too, not only refusals
   *     (default false)
   */
  public record Audit(boolean admissions) {}

  /**
   * The {@code metrics} section.
   *
   * @param enabled whether the limiter's meters are registered (default true)
   * @param prefix the prefix of the meter names, if not the metrics module's own
   */
  public record Metrics(boolean enabled, Optional<String> prefix) {

    /** Checks that nothing is null. */
    public Metrics {
      Objects.requireNonNull(prefix, "prefix");
    }
  }

  /**
   * The {@code reload} section.
   *
   * @param poll how often the file is checked for a change, 1 second to 5 minutes (default 2 seconds)
   */
  public record Reload(Duration poll) {

    /** The default {@link #poll()}. */
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(2);

    /** Checks that nothing is null. */
    public Reload {
      Objects.requireNonNull(poll, "poll");
    }
  }
}
