/**
 * Measurement of the accelerated operations per backend and batch size (used by {@code backplane bench}): seeded
 * inputs, warm-up, median latency, items per second, crossover. It must not be used by tests to assert speed.
 */
package io.backplane.accel.bench;
