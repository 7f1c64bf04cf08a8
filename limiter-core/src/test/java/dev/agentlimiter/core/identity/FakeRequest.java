package dev.agentlimiter.core.identity;

import dev.agentlimiter.api.RequestView;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A request view built by hand: a peer address and headers (names case-insensitive, repeatable). */
class FakeRequest implements RequestView {

  private final String peer;
  private final List<String[]> headers = new ArrayList<>();

  FakeRequest(String peer) {
    this.peer = peer;
  }

  FakeRequest header(String name, String value) {
    headers.add(new String[] {name.toLowerCase(Locale.ROOT), value});
    return this;
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
    return headers.stream().filter(h -> h[0].equals(key)).map(h -> h[1]).toList();
  }

  @Override
  public String remoteAddress() {
    return peer;
  }

  @Override
  public Optional<Principal> principal() {
    return Optional.empty();
  }
}
