/**
 * Signature schemes for consensus: the {@link io.backplane.node.consensus.crypto.QuorumCrypto} contract, real BLS12-381
 * on the CPU (the reference) and through accel-kernels' Accelerator (device or CPU, the same answers), and the
 * simulation's fast stand-in. It must not decide protocol validity, hold state beyond decoded keys, or touch JOCL.
 */
package io.backplane.node.consensus.crypto;
