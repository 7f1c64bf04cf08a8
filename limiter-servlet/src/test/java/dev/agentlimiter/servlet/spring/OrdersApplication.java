package dev.agentlimiter.servlet.spring;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.servlet.AgentLimiterFilter;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * The Spring Boot application of {@code docs/servlet.md#spring-boot}: the limiter as a bean, the filter
 * registered on {@code /api/*} through a {@code FilterRegistrationBean}, and {@link OrdersController}
 * behind it. The regions between the tags are in the doc verbatim ({@code SpringBootFilterRegistrationTest}
 * checks).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class OrdersApplication {

  static final String API_KEY = "ak_spring_demo_5f2c8e1a9b7d3046";

  // tag::limiter[]
  @Bean
  AgentLimiter agentLimiter() {
    InMemoryApiKeyStore keys = InMemoryApiKeyStore.create()
        .add(API_KEY, AgentIdentity.of("agent-1", IdentitySource.API_KEY));
    return AgentLimiters.newBuilder().identity(IdentityResolvers.apiKeys(keys)).build();
  }
  // end::limiter[]

  // tag::registration[]
  @Bean
  FilterRegistrationBean<AgentLimiterFilter> agentLimiterFilter(AgentLimiter limiter) {
    Policy orders = Policy.named("orders")
        .limit(Limit.capacity(3).refill(3).per(Duration.ofHours(1)))
        .build();
    AgentLimiterFilter filter = AgentLimiterFilter.builder(limiter)
        .route("/api/*", Route.of(orders))          // with Spring MVC, routes come from patterns
        .build();
    FilterRegistrationBean<AgentLimiterFilter> registration = new FilterRegistrationBean<>(filter);
    registration.setName("agent-limiter");
    registration.setUrlPatterns(List.of("/api/*"));
    registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER + 10);  // after Spring Security's chain
    return registration;
  }
  // end::registration[]
}
