package dev.agentlimiter.servlet;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.ContractSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The HTTP contract on embedded Jetty 12 (ee10). */
class JettyContractTest extends ContractSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, Apps apps) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    for (Map.Entry<String, HttpServlet> e : ContractServlets.servlets(apps).entrySet()) {
      ServletHolder holder = new ServletHolder("servlet" + e.getKey().replace('/', '-'), e.getValue());
      holder.setAsyncSupported(true);
      context.addServlet(holder, e.getKey());
    }
    FilterHolder filter = new FilterHolder(ContractServlets.filter(limiter, apps));
    filter.setName("agent-limiter");
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
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
          }
        });
  }
}
