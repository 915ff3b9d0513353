/**
 * Accelerated crypto: one AccelBackend interface with a CPU and an OpenCL implementation, and the Accelerator that
 * picks one per call and falls back to the CPU. It must never return an answer the CPU path would not give.
 */
package io.backplane.accel;
