/**
 * The Wesolowski VDF over the RSA-2048 challenge modulus: evaluation, HashToPrime, Baillie–PSW and the CPU verifier.
 * It is the reference every device path is checked against; it must stay deterministic and free of randomness.
 */
package io.backplane.accel.vdf;
