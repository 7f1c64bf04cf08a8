package dev.agentlimiter.servlet.contract;

import java.net.URI;

/** A started server: where it listens, and how to stop it. */
public interface RunningServer extends AutoCloseable {

  /** The base URI, {@code http://127.0.0.1:<port>}, without a trailing slash. */
  URI baseUri();

  /** The port, for raw socket cases. */
  default int port() {
    return baseUri().getPort();
  }

  /** Stops the server; never throws. */
  void stop();

  @Override
  default void close() {
    stop();
  }

  /** A server at {@code base} that {@code stop} stops; {@code stop} must not throw. */
  static RunningServer of(URI base, Runnable stop) {
    return new RunningServer() {
      @Override
      public URI baseUri() {
        return base;
      }

      @Override
      public void stop() {
        stop.run();
      }
    };
  }
}
