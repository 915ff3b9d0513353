/**
 * BLS12-381 validator keys: Ethereum-ciphersuite signing through jblst and keys sealed by the token's key-encryption key.
 * Must not keep a clear secret key beyond one signature, nor write one to disk.
 */
package io.backplane.hsm.bls;
