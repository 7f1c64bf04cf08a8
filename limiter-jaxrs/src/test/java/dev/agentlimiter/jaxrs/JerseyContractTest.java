package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.ContractSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.ArrayList;
import java.util.List;

/** The HTTP contract on Jersey 3.1 (servlet container on embedded Jetty 12). */
class JerseyContractTest extends ContractSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, Apps apps) throws Exception {
    List<Object> components = new ArrayList<>(ContractResources.resources(apps));
    components.add(ContractResources.feature(limiter, apps));
    return JerseyServer.start(components);
  }

  /** Jersey matches resources on the encoded path: {@code /hell%6F} is no resource (404), never served. */
  @Override
  protected boolean percentEncodingReachesTheEndpoint() {
    return false;
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
