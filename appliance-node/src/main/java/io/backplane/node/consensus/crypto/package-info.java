/**
 * Signature schemes for consensus: the {@link io.backplane.node.consensus.crypto.QuorumCrypto} contract, real
 * BLS12-381 through jblst, and the simulation's fast stand-in. It must not decide protocol validity or hold state beyond decoded keys.
 */
package io.backplane.node.consensus.crypto;
