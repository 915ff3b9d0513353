/**
 * The Wesolowski VDF over the RSA-2048 challenge modulus: its proof and output types, evaluation, HashToPrime, Baillie–PSW
 * and the CPU verifier. It imports no other accel package;
 * it is the reference every device path is checked against and must stay deterministic and free of randomness.
 */
package io.backplane.accel.vdf;
