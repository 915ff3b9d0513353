/**
 * Ed25519 batch verification with per-signature answers: the CPU path (an MSM batch over Bouncy Castle's field, BC
 * itself below 24 items and for failing chunks) and the OpenCL kernel's host. The acceptance rule is Bouncy Castle's
 * {@code Ed25519.verify}; nothing here may accept what it rejects or reject what it accepts.
 */
package io.backplane.accel.ed25519;
