/**
 * The CPU backend: JDK MessageDigest (SHA-NI intrinsics) and BigInteger, parallel over cores where it pays.
 * It is the reference semantics; it must not depend on OpenCL or on any device state.
 */
package io.backplane.accel.cpu;
