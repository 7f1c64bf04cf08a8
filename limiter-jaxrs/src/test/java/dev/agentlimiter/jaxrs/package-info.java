/** Tests of the JAX-RS adapter on Jersey and RESTEasy over real HTTP. */
@NullMarked
package dev.agentlimiter.jaxrs;

import org.jspecify.annotations.NullMarked;
