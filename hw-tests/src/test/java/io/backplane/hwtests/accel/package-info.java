/**
 * JMH benchmarks of the accelerated operations (CPU vs every OpenCL device) and their launcher.
 * Benchmarks only measure; they must never assert speed or run in the default suite.
 */
package io.backplane.hwtests.accel;
