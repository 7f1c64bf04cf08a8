package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.ContractSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.ArrayList;
import java.util.List;

/** The HTTP contract on RESTEasy 6.2 (HttpServlet30Dispatcher on embedded Jetty 12). */
class RestEasyContractTest extends ContractSuite {

  /** RESTEasy matches resources on the encoded path: {@code /hell%6F} is no resource (404), never served. */
  @Override
  protected boolean percentEncodingReachesTheEndpoint() {
    return false;
  }

  @Override
  protected RunningServer start(AgentLimiter limiter, Apps apps) throws Exception {
    List<Object> components = new ArrayList<>(ContractResources.resources(apps));
    components.add(ContractResources.feature(limiter, apps));
    return RestEasyServer.start(components);
  }

  /** Jakarta REST matches {@code @Path} case-sensitively: {@code /V1/Orders} is no resource (404). */
  @Override
  protected boolean theApplicationCanRouteIgnoringCase() {
    return false;
  }

  @Override
  protected String classPolicyName() {
    return "AnnotatedResource";
  }

  @Override
  protected String postPolicyName() {
    return "AnnotatedResource.post";
  }
}
