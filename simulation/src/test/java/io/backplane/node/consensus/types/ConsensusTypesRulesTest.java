package io.backplane.node.consensus.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CodecException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The consensus types' bounds, identities, stake arithmetic, and that every message survives the wire unchanged. */
class ConsensusTypesRulesTest {
    static final Block GENESIS = Block.genesis(1);

    static QuorumCert qc(long round, BlockId id, byte signers) {
        return new QuorumCert(1, round, id, new byte[] {signers}, new byte[] {5, 6});
    }

    static Block block(long round, QuorumCert parentQc, String payload, List<Integer> schedule, byte[] sig) {
        return new Block(1, round, parentQc, payload.getBytes(), 3, 1234, schedule, sig);
    }

    static TimeoutCert tc(long round, QuorumCert highQc) {
        return new TimeoutCert(1, round, highQc, List.of(new TimeoutCert.Entry(0, 1), new TimeoutCert.Entry(2, highQc.round())), new byte[] {8});
    }

    static BitSet bits(int... i) {
        BitSet s = new BitSet();
        for (int x : i) {
            s.set(x);
        }
        return s;
    }

    static byte[] wire(ConsensusMessage m) {
        return m.toCanonicalBytes();
    }

    @Test
    void aBlocksAuthorAndScheduledLeadersAreSixteenBitIndicesAndItsScheduleAtMostMaxScheduleRounds() {
        QuorumCert g = QuorumCert.genesis(1, GENESIS.id());
        assertThat(new Block(1, 1, g, new byte[0], 0, 0, new byte[0]).author()).isZero();
        assertThat(new Block(1, 1, g, new byte[0], 0xFFFF, 0, new byte[0]).author()).isEqualTo(0xFFFF);
        assertThatThrownBy(() -> new Block(1, 1, g, new byte[0], 0x10000, 0, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Block(1, 1, g, new byte[0], -1, 0, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThat(block(1, g, "", List.of(0, 0xFFFF), new byte[0]).nextSchedule()).containsExactly(0, 0xFFFF);
        assertThatThrownBy(() -> block(1, g, "", List.of(0x10000), new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> block(1, g, "", List.of(-1), new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThat(block(1, g, "", Collections.nCopies(Limits.MAX_SCHEDULE, 1), new byte[0]).nextSchedule()).hasSize(Limits.MAX_SCHEDULE);
        assertThatThrownBy(() -> block(1, g, "", Collections.nCopies(Limits.MAX_SCHEDULE + 1, 1), new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void twoBlocksAreEqualExactlyWhenTheirIdsAndSignaturesAreAndTheIdCoversTheParentQc() {
        QuorumCert g = QuorumCert.genesis(1, GENESIS.id());
        Block a = block(1, g, "a", List.of(), new byte[] {1});
        Block same = block(1, g, "a", List.of(), new byte[] {1});
        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(a.hashCode()).isEqualTo(a.id().hashCode());
        assertThat(a).isNotEqualTo(block(1, g, "b", List.of(), new byte[] {1}));
        assertThat(a).as("another signature").isNotEqualTo(a.withSignature(new byte[] {2}));
        assertThat(a.withSignature(new byte[] {2}).id()).isEqualTo(a.id());
        assertThat(a).isNotEqualTo(a.id());
        Block b1 = block(1, g, "a", List.of(), new byte[0]);
        assertThat(block(2, qc(1, b1.id(), (byte) 7), "x", List.of(), new byte[0]).id())
                .as("the parent QC is part of the header").isNotEqualTo(block(2, qc(1, b1.id(), (byte) 11), "x", List.of(), new byte[0]).id());
        assertThat(a.toString()).contains("r1", a.id().toString(), "by 3");
    }

    @Test
    void blockIdsAreEqualByBytesAndPrintAsHex() {
        byte[] raw = new byte[BlockId.LENGTH];
        raw[0] = (byte) 0xab;
        raw[31] = 1;
        BlockId id = BlockId.of(raw);
        assertThat(id).isEqualTo(BlockId.of(raw.clone())).hasSameHashCodeAs(BlockId.of(raw.clone()));
        assertThat(id.hashCode()).isNotEqualTo(BlockId.ZERO.hashCode());
        assertThat(id.hex()).hasSize(64).startsWith("ab00").endsWith("01");
        assertThat(id.toString()).isEqualTo("ab0000000000");
    }

    @Test
    void quorumCertsAreEqualByEveryFieldAndHashByRoundAndBlock() {
        BlockId id = GENESIS.id();
        QuorumCert q = qc(3, id, (byte) 7);
        assertThat(q).isEqualTo(qc(3, id, (byte) 7)).hasSameHashCodeAs(qc(3, id, (byte) 7));
        assertThat(q.hashCode()).isEqualTo(Long.hashCode(3) * 31 + id.hashCode());
        assertThat(q).isNotEqualTo(qc(3, id, (byte) 11));
        assertThat(q.toString()).isEqualTo("QC(r3 " + id + ")");
    }

    @Test
    void stakeArithmeticQuorumIsMoreThanTwoThirdsAndWeakQuorumMoreThanOneThird() {
        ValidatorSet vs = new ValidatorSet(1, List.of(new Validator(new byte[] {1}, 1), new Validator(new byte[] {2}, 2),
                new Validator(new byte[] {3}, 3), new Validator(new byte[] {4}, 4)));
        assertThat(vs.totalStake()).isEqualTo(10);
        assertThat(vs.quorumStake()).isEqualTo(7);
        assertThat(vs.weakQuorumStake()).isEqualTo(4);
        assertThat(vs.stakeOf(bits(1, 3))).isEqualTo(6);
        assertThat(vs.stakeOf(bits(0, 4))).as("a signer outside the set").isEqualTo(-1);
        assertThat(vs.hasQuorum(bits(0, 4))).isFalse();
        assertThat(vs.hasQuorum(bits(0, 2, 3))).isTrue();
        assertThat(vs.contains(0)).isTrue();
        assertThat(vs.contains(3)).isTrue();
        assertThat(vs.contains(4)).isFalse();
        assertThat(vs.contains(-1)).isFalse();
        assertThat(vs.validators()).hasSize(4);
        assertThat(vs.get(2).stake()).isEqualTo(3);
    }

    @Test
    void aValidatorSetHasOneTo1024ValidatorsWithPositiveStakeAndSurvivesTheWire() {
        List<Validator> many = new ArrayList<>();
        for (int i = 0; i < Limits.MAX_VALIDATORS; i++) {
            many.add(new Validator(new byte[] {(byte) i}, 1));
        }
        assertThat(new ValidatorSet(1, many).size()).isEqualTo(Limits.MAX_VALIDATORS);
        many.add(new Validator(new byte[] {9}, 1));
        assertThatThrownBy(() -> new ValidatorSet(1, many)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ValidatorSet(1, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Validator(new byte[] {1}, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Validator(new byte[] {1}, 1).stake()).isEqualTo(1);

        ValidatorSet vs = new ValidatorSet(7, List.of(new Validator(new byte[] {1, 2}, 5, new byte[] {3}), new Validator(new byte[] {4}, 6)));
        ValidatorSet back = CanonicalReader.decode(vs.toCanonicalBytes(), ValidatorSet::decode);
        assertThat(back.epoch()).isEqualTo(7);
        assertThat(back.size()).isEqualTo(2);
        assertThat(back.get(0).publicKey()).containsExactly(1, 2);
        assertThat(back.get(0).proofOfPossession()).containsExactly(3);
        assertThat(back.get(1).stake()).isEqualTo(6);
        assertThat(back.toCanonicalBytes()).isEqualTo(vs.toCanonicalBytes());
        byte[] empty = new io.backplane.codec.CanonicalWriter(16).u64(7).list(List.<Validator>of(), (w, v) -> v.encode(w)).toByteArray();
        assertThatThrownBy(() -> CanonicalReader.decode(empty, ValidatorSet::decode)).isInstanceOf(CodecException.class);
    }

    @Test
    void aSignerBitmapHoldsOnlySignersOfItsSet() {
        assertThat(Bitmaps.encode(bits(0, 3), 4)).containsExactly(0b1001);
        assertThat(Bitmaps.encode(bits(8), 9)).containsExactly(0, 1);
        assertThatThrownBy(() -> Bitmaps.encode(bits(4), 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void timeoutCertSignersAreStrictlyIncreasingAndItDescribesItsRoundAndHighestReport() {
        QuorumCert q = qc(4, GENESIS.id(), (byte) 7);
        assertThatThrownBy(() -> new TimeoutCert(1, 6, q, List.of(new TimeoutCert.Entry(2, 1), new TimeoutCert.Entry(2, 1)), new byte[0]))
                .isInstanceOf(CodecException.class).hasMessageContaining("got 2 then 2");
        assertThatThrownBy(() -> new TimeoutCert(1, 6, q, List.of(new TimeoutCert.Entry(3, 1), new TimeoutCert.Entry(1, 1)), new byte[0]))
                .isInstanceOf(CodecException.class).hasMessageContaining("got 3 then 1");
        assertThat(tc(6, q).toString()).isEqualTo("TC(r6 maxHqc 4)");
    }

    @Test
    void theSigningDomainsAreFixedWireConstants() {
        assertThat(SigningKind.PROPOSAL.domain()).isEqualTo("backplane/proposal/v1");
        assertThat(SigningKind.VOTE.domain()).isEqualTo("backplane/vote/v1");
        assertThat(SigningKind.TIMEOUT.domain()).isEqualTo("backplane/timeout/v1");
    }

    @Test
    void everyMessageSurvivesTheWireUnchanged() {
        QuorumCert g = QuorumCert.genesis(1, GENESIS.id());
        Block b1 = block(1, g, "one", List.of(1, 2, 3), new byte[] {4});
        QuorumCert q1 = qc(1, b1.id(), (byte) 7);
        Block b3 = block(3, q1, "three", List.of(), new byte[] {5});
        TimeoutCert t2 = tc(2, q1);
        TimeoutMsg tm = new TimeoutMsg(1, 3, q1, t2, 2, new byte[] {6});
        List<ConsensusMessage> messages = List.of(
                new ConsensusMessage.Proposal(b3, t2),
                new ConsensusMessage.Proposal(b1, null),
                new ConsensusMessage.VoteMsg(new Vote(1, 3, b3.id(), 1, new byte[] {7})),
                new ConsensusMessage.Timeout(tm),
                new ConsensusMessage.Sync(new SyncInfo(q1, t2)),
                new ConsensusMessage.BlockRequest(b3.id(), 17),
                new ConsensusMessage.BlockResponse(List.of(b3, b1)));
        for (ConsensusMessage m : messages) {
            ConsensusMessage back = ConsensusMessage.decode(wire(m));
            assertThat(back.getClass()).isEqualTo(m.getClass());
            assertThat(wire(back)).as(m.toString()).isEqualTo(wire(m));
        }
        ConsensusMessage.Proposal p = (ConsensusMessage.Proposal) ConsensusMessage.decode(wire(messages.get(0)));
        assertThat(p.block()).isEqualTo(b3);
        assertThat(p.block().timestampMs()).isEqualTo(1234);
        assertThat(p.block().parentQc()).isEqualTo(q1);
        assertThat(p.tc().entries()).isEqualTo(t2.entries());
        assertThat(p.tc().highQc()).isEqualTo(q1);
        ConsensusMessage.Timeout t = (ConsensusMessage.Timeout) ConsensusMessage.decode(wire(messages.get(3)));
        assertThat(t.timeout().highTc().round()).isEqualTo(2);
        assertThat(t.timeout().highQc()).isEqualTo(q1);
        ConsensusMessage.Sync s = (ConsensusMessage.Sync) ConsensusMessage.decode(wire(messages.get(4)));
        assertThat(s.info().highQc()).isEqualTo(q1);
        assertThat(s.info().highTc().maxHighQcRound()).isEqualTo(1);
        ConsensusMessage.VoteMsg v = (ConsensusMessage.VoteMsg) ConsensusMessage.decode(wire(messages.get(2)));
        assertThat(v.vote().blockId()).isEqualTo(b3.id());
        assertThat(v.vote().voter()).isEqualTo(1);
        ConsensusMessage.BlockRequest r = (ConsensusMessage.BlockRequest) ConsensusMessage.decode(wire(messages.get(5)));
        assertThat(r).isEqualTo(messages.get(5));
        ConsensusMessage.BlockResponse resp = (ConsensusMessage.BlockResponse) ConsensusMessage.decode(wire(messages.get(6)));
        assertThat(resp.blocks()).containsExactly(b3, b1);
    }
}
