package io.backplane.node.consensus.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The value types' own contracts, at their bounds: the ranges a block, a validator set and a signer bitmap accept,
 * equality and hashing of blocks, certificates and ids (the block tree and every cache key on them), and the short forms
 * the logs print. The codec's golden bytes are in the consensus module's {@code ConsensusTypesCodecTest}.
 */
class ConsensusTypesContractTest {
    private static final QuorumCert GENESIS_QC = QuorumCert.genesis(1, BlockId.ZERO);

    private static Block block(long round, int author, List<Integer> schedule, byte[] signature) {
        return new Block(1, round, GENESIS_QC, new byte[] {7}, author, 1_700_000_000_123L, schedule, signature);
    }

    private static List<Validator> validators(int n) {
        List<Validator> vs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            vs.add(new Validator(new byte[] {(byte) i, (byte) (i >> 8)}, i + 1L));
        }
        return vs;
    }

    @Test
    void aBlockAcceptsEveryAuthorAndLeaderIndexTheWireCarriesAndNoOther() {
        assertThat(block(1, 0, List.of(), new byte[0]).author()).isZero();
        assertThat(block(1, 0xFFFF, List.of(0, 0xFFFF), new byte[0]).author()).isEqualTo(0xFFFF);
        assertThatThrownBy(() -> block(1, -1, List.of(), new byte[0])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("author");
        assertThatThrownBy(() -> block(1, 0x10000, List.of(), new byte[0])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("author");
        assertThatThrownBy(() -> block(1, 0, List.of(-1), new byte[0])).hasMessageContaining("schedule leader");
        assertThatThrownBy(() -> block(1, 0, List.of(0x10000), new byte[0])).hasMessageContaining("schedule leader");
    }

    @Test
    void aBlockCarriesAScheduleOfAtMostTheLimit() {
        List<Integer> full = Collections.nCopies(Limits.MAX_SCHEDULE, 3);
        assertThat(block(1, 0, full, new byte[0]).nextSchedule()).hasSize(Limits.MAX_SCHEDULE);
        List<Integer> over = Collections.nCopies(Limits.MAX_SCHEDULE + 1, 3);
        assertThatThrownBy(() -> block(1, 0, over, new byte[0])).hasMessageContaining("more than " + Limits.MAX_SCHEDULE);
    }

    @Test
    void blocksAreEqualOnlyWithTheSameIdAndTheSameSignature() {
        Block a = block(5, 2, List.of(), new byte[] {1});
        Block same = block(5, 2, List.of(), new byte[] {1});
        Block resigned = block(5, 2, List.of(), new byte[] {2});
        Block other = block(6, 2, List.of(), new byte[] {1});
        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(a).isNotEqualTo(resigned).isNotEqualTo(other).isNotEqualTo(a.id()).isNotEqualTo(null);
        assertThat(a.hashCode()).isEqualTo(a.id().hashCode()).isNotEqualTo(other.hashCode());
        assertThat(a.timestampMs()).isEqualTo(1_700_000_000_123L);
    }

    @Test
    void logsNameTheRoundAndAShortId() {
        Block b = block(5, 2, List.of(), new byte[0]);
        assertThat(b.id().toString()).hasSize(12).isEqualTo(b.id().hex().substring(0, 12));
        assertThat(b.id().hex()).hasSize(2 * BlockId.LENGTH);
        assertThat(b.toString()).contains("r5", b.id().toString(), "by 2");
        QuorumCert qc = new QuorumCert(1, 9, b.id(), new byte[] {0b111}, new byte[] {1});
        assertThat(qc.toString()).isEqualTo("QC(r9 " + b.id() + ")");
        TimeoutCert tc = new TimeoutCert(1, 10, qc, List.of(new TimeoutCert.Entry(0, 9), new TimeoutCert.Entry(1, 4)), new byte[] {1});
        assertThat(tc.toString()).isEqualTo("TC(r10 maxHqc 9)");
    }

    @Test
    void certificatesAndIdsHashByWhatTheyCertify() {
        BlockId x = BlockId.sha256(new byte[] {1});
        BlockId y = BlockId.sha256(new byte[] {2});
        assertThat(x.hashCode()).isEqualTo(BlockId.of(x.bytes()).hashCode()).isNotEqualTo(y.hashCode());
        QuorumCert q = new QuorumCert(1, 9, x, new byte[] {3}, new byte[] {1});
        assertThat(q.hashCode()).isEqualTo(new QuorumCert(1, 9, x, new byte[] {3}, new byte[] {1}).hashCode())
                .isNotEqualTo(new QuorumCert(1, 10, x, new byte[] {3}, new byte[] {1}).hashCode())
                .isNotEqualTo(new QuorumCert(1, 9, y, new byte[] {3}, new byte[] {1}).hashCode());
    }

    @Test
    void aValidatorSetHoldsOneToTheLimitOfValidatorsAndKnowsWhoIsIn() {
        assertThatThrownBy(() -> new ValidatorSet(1, List.of())).hasMessageContaining("1.." + Limits.MAX_VALIDATORS);
        assertThat(new ValidatorSet(1, validators(Limits.MAX_VALIDATORS)).size()).isEqualTo(Limits.MAX_VALIDATORS);
        assertThatThrownBy(() -> new ValidatorSet(1, validators(Limits.MAX_VALIDATORS + 1))).hasMessageContaining("got " + (Limits.MAX_VALIDATORS + 1));
        ValidatorSet four = new ValidatorSet(1, validators(4));
        assertThat(four.contains(0)).isTrue();
        assertThat(four.contains(3)).isTrue();
        assertThat(four.contains(4)).isFalse();
        assertThat(four.contains(-1)).isFalse();
        assertThat(four.validators()).extracting(Validator::stake).containsExactly(1L, 2L, 3L, 4L);
        assertThat(four.totalStake()).isEqualTo(10);
    }

    @Test
    void stakeIsSummedOverTheSignersAndASignerOutsideTheSetVoidsIt() {
        ValidatorSet four = new ValidatorSet(1, validators(4));
        BitSet s = new BitSet();
        s.set(1);
        s.set(3);
        assertThat(four.stakeOf(s)).isEqualTo(2 + 4);
        s.set(4);
        assertThat(four.stakeOf(s)).isEqualTo(-1);
        assertThat(four.quorumStake()).isEqualTo(7);
        assertThat(four.weakQuorumStake()).isEqualTo(4);
    }

    @Test
    void aValidatorNeedsAPositiveStake() {
        assertThat(new Validator(new byte[] {1}, 1).stake()).isEqualTo(1);
        assertThatThrownBy(() -> new Validator(new byte[] {1}, 0)).hasMessageContaining("positive");
    }

    @Test
    void aSignerBitmapPutsValidatorIAtBitIMod8OfByteIDiv8() {
        BitSet s = new BitSet();
        s.set(0);
        s.set(9);
        s.set(10);
        assertThat(Bitmaps.encode(s, 11)).containsExactly(0b0000_0001, 0b0000_0110);
        assertThat(Bitmaps.decode(new byte[] {0b0000_0001, 0b0000_0110})).isEqualTo(s);
        BitSet last = new BitSet();
        last.set(10);
        assertThat(Bitmaps.encode(last, 11)).containsExactly(0, 0b0000_0100);
        last.set(11);
        assertThatThrownBy(() -> Bitmaps.encode(last, 11)).hasMessageContaining("signer 11 outside a set of 11");
    }
}
