/**
 * The HSM benchmark (guarded signer against bare SunPKCS11 and bare blst loops), plugged into {@code backplane bench}.
 * Must not be used by tests to assert timings; it measures, it does not judge.
 */
package io.backplane.hsm.bench;
