/**
 * BLS12-381 verification and aggregation of the Ethereum ciphersuite (min-pk, proof of possession), the project's one
 * copy of them: the CPU path through blst (jblst) and the OpenCL hosts of the G1/G2 kernels (decoding, sums,
 * batch-verify scalar multiplications; pairings stay on blst); {@link io.backplane.accel.bls.BlsKeySet} holds a
 * validator set's keys decoded once, so a QC check only adds. It must not generate keys or sign (hsm-keystore's
 * {@code Bls} does, beside the keys), implement field or curve arithmetic for the CPU path, nor accept a point the
 * consensus specs refuse.
 */
package io.backplane.accel.bls;
