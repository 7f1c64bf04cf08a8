package dev.agentlimiter.servlet.spring;

import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The application behind the filter; counts its calls so the test can tell refusals never reach it. */
@RestController
class OrdersController {

  private final AtomicInteger orderCalls = new AtomicInteger();

  @GetMapping(path = "/api/orders", produces = MediaType.APPLICATION_JSON_VALUE)
  String orders() {
    orderCalls.incrementAndGet();
    return "{\"orders\":[]}";
  }

  @GetMapping(path = "/health", produces = MediaType.TEXT_PLAIN_VALUE)
  String health() {
    return "ok";
  }

  int orderCalls() {
    return orderCalls.get();
  }
}
