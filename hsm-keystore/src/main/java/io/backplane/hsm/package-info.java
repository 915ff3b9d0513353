/**
 * The keystore's contract: {@link io.backplane.hsm.GuardedSigner} with its request, signature and refusal types.
 * Nothing here names PKCS#11, blst or a storage engine; raw private key bytes never cross this package.
 */
package io.backplane.hsm;
