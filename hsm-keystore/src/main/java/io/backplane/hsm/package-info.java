/**
 * Keys in a PKCS#11 token through SunPKCS11, the guarded signer that never double-signs, and the signing audit trail.
 * Raw private key bytes never cross its public interface.
 */
package io.backplane.hsm;
