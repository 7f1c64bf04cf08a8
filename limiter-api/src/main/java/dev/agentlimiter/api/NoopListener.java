package dev.agentlimiter.api;

/** The listener behind {@link LimiterListener#noop()}. */
enum NoopListener implements LimiterListener {
  INSTANCE
}
