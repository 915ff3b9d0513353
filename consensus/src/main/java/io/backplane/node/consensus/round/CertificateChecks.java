package io.backplane.node.consensus.round;

import io.backplane.node.consensus.safety.CertificateVerifier;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;

/**
 * Certificate verification for the round manager: the safety rules' own {@link CertificateVerifier} (its cache holds only
 * certificates it checked itself, so each certificate costs one check for both), with the checks it really ran counted.
 */
final class CertificateChecks {
    private final CertificateVerifier certs;
    private final ConsensusMetrics metrics;

    CertificateChecks(CertificateVerifier certs, ConsensusMetrics metrics) {
        this.certs = certs;
        this.metrics = metrics;
    }

    boolean qc(QuorumCert qc) {
        return counted(() -> certs.verifyQc(qc), ConsensusCounter.REJECTED_BAD_QC_SIGNATURE);
    }

    boolean tc(TimeoutCert tc) {
        return counted(() -> certs.verifyTc(tc), ConsensusCounter.REJECTED_BAD_TC_SIGNATURE);
    }

    /** Runs one check and counts it only when the verifier really checked a signature (not a cache hit). */
    private boolean counted(java.util.function.BooleanSupplier check, ConsensusCounter rejected) {
        long before = certs.checks();
        boolean ok = check.getAsBoolean();
        if (certs.checks() > before) {
            metrics.count(ok ? ConsensusCounter.CERTS_VERIFIED : rejected, 1);
        }
        return ok;
    }
}
