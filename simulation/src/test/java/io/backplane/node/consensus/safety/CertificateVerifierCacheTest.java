package io.backplane.node.consensus.safety;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verifier remembers the 512 most recently used certificates it checked, and checks others again. */
class CertificateVerifierCacheTest {
    static final ValidatorSet VS = new ValidatorSet(1, List.of(new Validator(new byte[] {1}, 1), new Validator(new byte[] {2}, 1),
            new Validator(new byte[] {3}, 1), new Validator(new byte[] {4}, 1)));

    static final QuorumCrypto ACCEPT_ALL = new QuorumCrypto() {
        @Override
        public boolean verify(int signer, byte[] message, byte[] signature) {
            return true;
        }

        @Override
        public byte[] aggregate(List<byte[]> signatures) {
            return new byte[] {1};
        }

        @Override
        public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
            return true;
        }

        @Override
        public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
            return true;
        }
    };

    static QuorumCert qc(long round) {
        return new QuorumCert(1, round, BlockId.ZERO, new byte[] {7}, new byte[] {1});
    }

    @Test
    void the512LastCheckedCertificatesAreAcceptedWithoutCheckingAgainAndAnOlderOneIsCheckedAgain() {
        CertificateVerifier v = new CertificateVerifier(VS, ACCEPT_ALL);
        for (long r = 1; r <= 512; r++) {
            assertThat(v.verifyQc(qc(r))).isTrue();
        }
        assertThat(v.checks()).isEqualTo(512);
        for (long r = 1; r <= 512; r++) {
            assertThat(v.verifyQc(qc(r))).isTrue();
        }
        assertThat(v.checks()).as("512 fit").isEqualTo(512);
        assertThat(v.verifyQc(qc(513))).isTrue();
        assertThat(v.checks()).isEqualTo(513);
        assertThat(v.verifyQc(qc(1))).isTrue();
        assertThat(v.checks()).as("the oldest one was dropped").isEqualTo(514);
    }
}
