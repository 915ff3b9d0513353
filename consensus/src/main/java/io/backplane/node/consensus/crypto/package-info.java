/**
 * The signature contracts consensus needs: {@link io.backplane.node.consensus.crypto.QuorumCrypto} (votes, QCs, TCs), keys and
 * schemes with proofs of possession; the real BLS adapters (appliance-node) and the simulation's stand-in implement them.
 * It must not hold a scheme here: no blst, accel-kernels, JOCL or randomness in this module (the adapters live outside the pure core).
 */
package io.backplane.node.consensus.crypto;
