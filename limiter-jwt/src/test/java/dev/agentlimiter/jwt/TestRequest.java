package dev.agentlimiter.jwt;

import dev.agentlimiter.api.RequestView;
import java.security.Principal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A request view built by hand: headers as (name, value) pairs, names case-insensitive, repeatable. */
record TestRequest(List<Map.Entry<String, String>> headerList) implements RequestView {

  static TestRequest none() {
    return new TestRequest(List.of());
  }

  static TestRequest authorization(String... values) {
    return new TestRequest(
        java.util.Arrays.stream(values).map(v -> Map.entry("Authorization", v)).toList());
  }

  static TestRequest bearer(String token) {
    return authorization("Bearer " + token);
  }

  @Override
  public String method() {
    return "GET";
  }

  @Override
  public String path() {
    return "/";
  }

  @Override
  public @Nullable String header(String name) {
    List<String> all = headers(name);
    return all.isEmpty() ? null : all.get(0);
  }

  @Override
  public List<String> headers(String name) {
    String key = name.toLowerCase(Locale.ROOT);
    return headerList.stream()
        .filter(h -> h.getKey().toLowerCase(Locale.ROOT).equals(key))
        .map(Map.Entry::getValue)
        .toList();
  }

  @Override
  public String remoteAddress() {
    return "127.0.0.1";
  }

  @Override
  public Optional<Principal> principal() {
    return Optional.empty();
  }
}
