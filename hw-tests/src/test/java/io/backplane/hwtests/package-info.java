/**
 * Hardware-facing tests and benchmarks: accelerator/CPU equivalence on every OpenCL device, HSM, enclave and cluster faults.
 * Tests only; nothing here ships in the node.
 */
package io.backplane.hwtests;
