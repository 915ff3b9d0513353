/**
 * The PKCS#11 mechanism: a token opened through SunPKCS11 by label, the project-owned SoftHSM2 setup, PIN sources.
 * Must not log PINs or put them on a command line, and must not be imported by the consensus core.
 */
package io.backplane.hsm.pkcs11;
