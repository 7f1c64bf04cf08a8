/**
 * The HTTP contract suite ({@code docs/http-contract.md}) that every adapter runs on real servers over
 * real HTTP. Shipped in this module's test-jar so the JAX-RS adapter runs the same cases.
 */
@NullMarked
package dev.agentlimiter.servlet.contract;

import org.jspecify.annotations.NullMarked;
