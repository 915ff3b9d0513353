package io.backplane.plugin.api;

/** A measured one-way latency between two nodes, in microseconds. */
public record Link(String from, String to, long latencyMicros) {
}
