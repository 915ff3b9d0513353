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
        long before = certs.checks();
        boolean ok = certs.verifyQc(qc);
        if (certs.checks() > before) {
            metrics.count(ok ? ConsensusCounter.CERTS_VERIFIED : ConsensusCounter.REJECTED_BAD_QC_SIGNATURE, 1);
        }
        return ok;
    }

    boolean tc(TimeoutCert tc) {
        long before = certs.checks();
        boolean ok = certs.verifyTc(tc);
        if (certs.checks() > before) {
            metrics.count(ok ? ConsensusCounter.CERTS_VERIFIED : ConsensusCounter.REJECTED_BAD_TC_SIGNATURE, 1);
        }
        return ok;
    }
}
