/**
 * Ed25519 batch verification with per-signature answers: the CPU path (Bouncy Castle) and the OpenCL kernel's host.
 * The acceptance rule is Bouncy Castle's {@code Ed25519.verify}; nothing here may accept what it rejects or reject what it accepts.
 */
package io.backplane.accel.ed25519;
