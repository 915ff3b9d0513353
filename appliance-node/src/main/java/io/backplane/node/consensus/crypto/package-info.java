/**
 * Signature schemes for consensus: the {@link io.backplane.node.consensus.crypto.QuorumCrypto} contract, real BLS12-381
 * on the CPU (the reference) and through accel-kernels' Accelerator (device or CPU, the same answers), the simulation's
 * fast stand-in, and proofs of possession checked whenever a validator set is formed. It must not decide protocol
 * validity, hold state beyond decoded keys, or touch JOCL; the accelerated batch verification it reaches (random scalars,
 * parallel) is outside the pure core.
 */
package io.backplane.node.consensus.crypto;
