package dev.agentlimiter.jaxrs;

import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** Embedded Jetty 12 (ee10) on 127.0.0.1 and an ephemeral port, one servlet at {@code /*}. */
final class Jetty {

  private Jetty() {}

  /**
   * Starts {@code servlet} (async supported) at {@code /*} of the root context, after {@code setup} has
   * seen the context; {@code onStop} runs after the server stops.
   */
  static RunningServer start(HttpServlet servlet, Consumer<ServletContextHandler> setup, Runnable onStop)
      throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletHolder holder = new ServletHolder("jaxrs", servlet);
    holder.setAsyncSupported(true);
    holder.setInitOrder(1); // initialise at start: a deployment error fails the start
    context.addServlet(holder, "/*");
    setup.accept(context);
    server.setHandler(context);
    server.start();
    URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    return RunningServer.of(
        base,
        () -> {
          try {
            server.stop();
          } catch (Exception e) {
            // best effort
          } finally {
            onStop.run();
          }
        });
  }
}
