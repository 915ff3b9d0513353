/**
 * BLS12-381 signatures of the Ethereum ciphersuite (min-pk, proof of possession) on the CPU through blst (jblst).
 * It must not implement field or curve arithmetic for the CPU path, nor accept a point the consensus specs refuse.
 */
package io.backplane.accel.bls;
