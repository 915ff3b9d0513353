package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import io.backplane.node.consensus.types.Vote;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The next leader's vote and timeout books: what they remember, what they forget, and which certificates they form. */
class AggregatorsTest {
    static final ValidatorSet VS = new ValidatorSet(1, List.of(new Validator(new byte[] {1}, 1), new Validator(new byte[] {2}, 1),
            new Validator(new byte[] {3}, 1), new Validator(new byte[] {4}, 1)));

    /** A signature is valid when its first byte is 1; batches with an empty signature are malformed and throw. */
    static final class StubCrypto implements QuorumCrypto {
        int singleChecks;

        @Override
        public boolean verify(int signer, byte[] message, byte[] signature) {
            singleChecks++;
            return signature.length > 0 && signature[0] == 1;
        }

        @Override
        public byte[] aggregate(List<byte[]> signatures) {
            return new byte[] {(byte) signatures.size()};
        }

        @Override
        public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
            return true;
        }

        @Override
        public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
            return true;
        }

        @Override
        public boolean[] verifyEach(int[] signers, List<byte[]> messages, List<byte[]> signatures) {
            boolean[] ok = new boolean[signers.length];
            for (int i = 0; i < ok.length; i++) {
                if (signatures.get(i).length == 0) {
                    throw new IllegalArgumentException("malformed signature in the batch");
                }
                ok[i] = signatures.get(i)[0] == 1;
            }
            return ok;
        }
    }

    static BlockId id(int n) {
        return BlockId.of(ByteBuffer.allocate(BlockId.LENGTH).putInt(n).array());
    }

    static Vote vote(long round, int block, int voter) {
        return new Vote(1, round, id(block), voter, new byte[] {1, (byte) voter});
    }

    private final StubCrypto crypto = new StubCrypto();
    private final VoteAggregator votes = new VoteAggregator(1, VS, crypto);

    @Test
    void aQuorumOfVotesForOneBlockFormsItsQcOnceWithExactlyItsVoters() {
        assertThat(votes.add(vote(3, 1, 0))).isEmpty();
        assertThat(votes.add(vote(3, 2, 1))).as("another block").isEmpty();
        assertThat(votes.add(vote(3, 1, 2))).isEmpty();
        Optional<QuorumCert> qc = votes.add(vote(3, 1, 3));
        assertThat(qc).isPresent();
        assertThat(qc.get().round()).isEqualTo(3);
        assertThat(qc.get().blockId()).isEqualTo(id(1));
        assertThat(qc.get().signerSet().stream().boxed().toList()).containsExactly(0, 2, 3);
        assertThat(votes.add(vote(3, 1, 1))).as("once per block").isEmpty();
    }

    @Test
    void votesAndFormedQcsBelowThePrunedRoundAreForgotten() {
        for (int voter = 0; voter < 3; voter++) {
            votes.add(vote(4, 1, voter));
            votes.add(vote(5, 1, voter));
        }
        votes.pruneBelow(5);
        assertThat(votes.earlier(vote(4, 1, 0))).as("round 4 pruned").isNull();
        assertThat(votes.earlier(vote(5, 1, 0))).as("round 5 kept").isNotNull();
        assertThat(votes.add(vote(5, 1, 3))).as("round 5's QC was formed already").isEmpty();
        votes.add(vote(4, 1, 0));
        votes.add(vote(4, 1, 1));
        assertThat(votes.add(vote(4, 1, 2))).as("round 4 starts over").isPresent();
    }

    @Test
    void aBatchCheckAnswersEachVoteOnceAndClearingItSendsVotesBackToSingleChecks() {
        Vote good = vote(3, 1, 0);
        Vote forged = new Vote(1, 3, id(1), 1, new byte[] {0});
        votes.preVerify(List.of(good, forged));
        assertThat(votes.signatureValid(good)).isTrue();
        assertThat(votes.signatureValid(forged)).isFalse();
        assertThat(crypto.singleChecks).isZero();
        assertThat(votes.signatureValid(good)).as("consumed: checked alone now").isTrue();
        assertThat(crypto.singleChecks).isEqualTo(1);

        Vote other = vote(3, 1, 2);
        votes.preVerify(List.of(other, good));
        votes.clearPreVerified();
        assertThat(votes.signatureValid(other)).isTrue();
        assertThat(crypto.singleChecks).isEqualTo(2);
    }

    @Test
    void aMalformedBatchLeavesEveryVoteToBeCheckedAlone() {
        Vote a = vote(3, 1, 0);
        Vote b = vote(3, 1, 1);
        votes.preVerify(List.of(a, b));
        votes.preVerify(List.of(vote(3, 1, 2), new Vote(1, 3, id(1), 3, new byte[0])));
        assertThat(votes.signatureValid(a)).isTrue();
        assertThat(crypto.singleChecks).as("the earlier batch's answers went with the spoiled one").isEqualTo(1);
    }

    static TimeoutMsg timeout(long round, int author, QuorumCert highQc) {
        return new TimeoutMsg(1, round, highQc, null, author, new byte[] {1, (byte) author});
    }

    @Test
    void aTimeoutCertificateCarriesTheHighestReportedQcAndTheLowestSignersOnATie() {
        TimeoutAggregator timeouts = new TimeoutAggregator(1, VS, crypto);
        QuorumCert low = new QuorumCert(1, 2, id(2), new byte[] {7}, new byte[] {1});
        QuorumCert high = new QuorumCert(1, 4, id(4), new byte[] {7}, new byte[] {1});
        QuorumCert highToo = new QuorumCert(1, 4, id(4), new byte[] {11}, new byte[] {2});
        assertThat(timeouts.add(timeout(6, 3, low))).isEqualTo(1);
        assertThat(timeouts.add(timeout(6, 2, highToo))).isEqualTo(2);
        assertThat(timeouts.add(timeout(6, 0, high))).isEqualTo(3);
        TimeoutCert tc = timeouts.certificate(6);
        assertThat(tc.highQc()).isSameAs(high);
        assertThat(tc.entries()).extracting(TimeoutCert.Entry::signer).containsExactly(0, 2, 3);
        assertThat(tc.maxHighQcRound()).isEqualTo(4);
    }

    @Test
    void timeoutsBelowThePrunedRoundAreForgotten() {
        TimeoutAggregator timeouts = new TimeoutAggregator(1, VS, crypto);
        QuorumCert qc = new QuorumCert(1, 2, id(2), new byte[] {7}, new byte[] {1});
        timeouts.add(timeout(5, 1, qc));
        timeouts.add(timeout(6, 1, qc));
        timeouts.pruneBelow(6);
        assertThat(timeouts.has(5, 1)).isFalse();
        assertThat(timeouts.has(6, 1)).isTrue();
        assertThat(timeouts.has(6, 2)).isFalse();
    }
}
