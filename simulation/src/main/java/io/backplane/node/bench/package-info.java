/**
 * In-process consensus benchmarks over the simulator (blocks/s, votes verified/s, share of time in signature work).
 * Measurement only: it reads the wall clock around runs and must never be used by protocol code or tests' assertions.
 */
package io.backplane.node.bench;
