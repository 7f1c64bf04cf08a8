package dev.agentlimiter.jaxrs.load;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * The {@link LoadApplication} on Jersey 3.1 as a servlet on embedded Jetty 12, for the load comparison of
 * docs/benchmarks.md: {@code LoadServer <none|naive|bound|fields|feature> <port> <agents>}. Not a test; run by
 * {@code limiter-jaxrs/load/load.sh} and {@code load/interleaved.sh}.
 */
public final class LoadServer {

  private LoadServer() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int port = Integer.parseInt(args[1]);
    int agents = Integer.parseInt(args[2]);
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.addServlet(new ServletHolder(new ServletContainer(LoadApplication.of(mode, agents))), "/*");
    server.setHandler(context);
    server.start();
    System.out.println("listening on 127.0.0.1:" + port + " (" + mode + ", " + agents + " agents)");
    server.join();
  }
}
