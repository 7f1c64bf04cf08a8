/**
 * {@code AgentLimiterFilter} in a real Spring Boot 3 application, registered through a
 * {@code FilterRegistrationBean} and exercised over real HTTP ({@code docs/servlet.md#spring-boot}).
 */
@NullMarked
package dev.agentlimiter.servlet.spring;

import org.jspecify.annotations.NullMarked;
