/**
 * Software attestation of enclaves: a measurement of what an enclave runs (runtime, plugin jar, manifest, JDK, launch
 * arguments), a report signed through {@link io.backplane.plugin.host.attest.AttestationSigner}, and its verifier.
 * It must not claim hardware protection: reports say they are software measurements (no TDX/SEV-SNP quote here).
 */
package io.backplane.plugin.host.attest;
