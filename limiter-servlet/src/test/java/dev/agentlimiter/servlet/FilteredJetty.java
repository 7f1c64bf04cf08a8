package dev.agentlimiter.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A started Jetty 12 on 127.0.0.1 and a free port, serving one servlet behind one filter on {@code /*}. */
final class FilteredJetty implements AutoCloseable {

  private final Server server;
  private final ServerConnector connector;

  private FilteredJetty(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  static FilteredJetty start(Filter filter, HttpServlet app) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(app), "/*");
    context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    server.setHandler(context);
    server.start();
    return new FilteredJetty(server, connector);
  }

  /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
  String base() {
    return "http://127.0.0.1:" + connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("stopping Jetty failed", e);
    }
  }
}
