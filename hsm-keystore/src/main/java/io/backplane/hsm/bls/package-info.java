/**
 * BLS12-381 validator keys: the key side of the Ethereum ciphersuite through jblst (key generation, public keys,
 * signing, proofs of possession: the project's one copy) and keys sealed by the token's key-encryption key. Must not
 * verify or aggregate (accel-kernels' {@code BlsCpu} does), keep a clear secret key beyond one signature, nor write one to disk.
 */
package io.backplane.hsm.bls;
