package io.backplane.node.consensus.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CodecException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes for every consensus type. The expected hex is laid out by hand, field by field, from the
 * encoding rules of {@code CanonicalWriter} (big-endian fixed-width integers, u32-length-prefixed bytes/lists,
 * 0/1 optional tags), so a change to any field order or width breaks these tests.
 */
class ConsensusTypesCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final String ID11 = "11".repeat(32);

    static byte[] hex(String... parts) {
        return HEX.parseHex(String.join("", parts).replace(" ", ""));
    }

    static BlockId id11() {
        return BlockId.of(HEX.parseHex(ID11));
    }

    static QuorumCert qc() {
        return new QuorumCert(1, 7, id11(), new byte[] {0x0b}, HEX.parseHex("aabbcc"));
    }

    static final String QC_HEX = String.join(" ",
            "0000000000000001", // epoch
            "0000000000000007", // round
            ID11, // block id
            "00000001 0b", // signer bitmap: validators 0, 1, 3
            "00000003 aabbcc"); // aggregate signature

    @Test
    void quorumCertHasGoldenBytes() {
        assertThat(HEX.formatHex(qc().toCanonicalBytes())).isEqualTo(QC_HEX.replace(" ", ""));
        assertThat(CanonicalReader.decode(hex(QC_HEX), QuorumCert::decode)).isEqualTo(qc());
        assertThat(qc().signerSet()).isEqualTo(BitSet.valueOf(new long[] {0b1011}));
    }

    @Test
    void voteHasGoldenBytes() {
        Vote v = new Vote(1, 8, id11(), 2, HEX.parseHex("0102"));
        String golden = "0000000000000001" + "0000000000000008" + ID11 + "0002" + "00000002" + "0102";
        assertThat(HEX.formatHex(v.toCanonicalBytes())).isEqualTo(golden);
        Vote back = CanonicalReader.decode(hex(golden), Vote::decode);
        assertThat(back.voter()).isEqualTo(2);
        assertThat(back.blockId()).isEqualTo(id11());
        assertThat(back.signature()).containsExactly(1, 2);
    }

    @Test
    void theNextScheduleIsInTheHeaderAndTheEncodingAsAListOfU16() throws Exception {
        Block b = new Block(1, 11, qc(), "hi".getBytes(), 3, 1000, List.of(2, 0, 1, 258), HEX.parseHex("ff"));
        String schedule = "00000004" + "0002" + "0000" + "0001" + "0102";
        String golden = "0000000000000001" + "000000000000000b" + QC_HEX.replace(" ", "")
                + "00000002" + "6869" + "0003" + "00000000000003e8" + schedule + "00000001" + "ff";
        assertThat(HEX.formatHex(b.toCanonicalBytes())).isEqualTo(golden);
        byte[] payloadHash = MessageDigest.getInstance("SHA-256").digest("hi".getBytes());
        byte[] header = hex("0000000000000001", "000000000000000b", QC_HEX, HEX.formatHex(payloadHash), "0003", "00000000000003e8", schedule);
        assertThat(b.header()).isEqualTo(header);
        assertThat(b.id().bytes()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(header));
        // The schedule is covered by the id (so by the author's and the voters' signatures).
        assertThat(new Block(1, 11, qc(), "hi".getBytes(), 3, 1000, List.of(2, 0, 1, 257), HEX.parseHex("ff")).id()).isNotEqualTo(b.id());
        assertThat(CanonicalReader.decode(hex(golden), Block::decode).nextSchedule()).containsExactly(2, 0, 1, 258);
        // A schedule longer than the limit is refused before anything is allocated for it.
        String huge = "0000000000000001" + "000000000000000b" + QC_HEX.replace(" ", "") + "00000002" + "6869" + "0003" + "00000000000003e8" + "00001001";
        assertThatThrownBy(() -> CanonicalReader.decode(hex(huge), Block::decode)).isInstanceOf(io.backplane.codec.CodecException.class)
                .hasMessageContaining("limit 4096");
    }

    @Test
    void blockHasGoldenBytesAndItsIdIsTheSha256OfTheHeader() throws Exception {
        Block b = new Block(1, 8, qc(), "hi".getBytes(), 3, 1000, HEX.parseHex("ff"));
        String golden = "0000000000000001" + "0000000000000008" + QC_HEX.replace(" ", "")
                + "00000002" + "6869" // payload "hi"
                + "0003" // author
                + "00000000000003e8" // timestamp 1000 ms
                + "00000000" // no next schedule
                + "00000001" + "ff"; // signature
        assertThat(HEX.formatHex(b.toCanonicalBytes())).isEqualTo(golden);
        byte[] payloadHash = MessageDigest.getInstance("SHA-256").digest("hi".getBytes());
        byte[] header = hex("0000000000000001", "0000000000000008", QC_HEX, HEX.formatHex(payloadHash), "0003", "00000000000003e8", "00000000");
        assertThat(b.header()).isEqualTo(header);
        assertThat(b.id().bytes()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(header));
        // The signature is not part of the id.
        assertThat(b.withSignature(new byte[] {9}).id()).isEqualTo(b.id());
        Block back = CanonicalReader.decode(hex(golden), Block::decode);
        assertThat(back).isEqualTo(b);
        assertThat(back.id()).isEqualTo(b.id());
    }

    static TimeoutCert tc() {
        return new TimeoutCert(1, 9, qc(), List.of(new TimeoutCert.Entry(0, 6), new TimeoutCert.Entry(2, 7)), HEX.parseHex("dd"));
    }

    /** epoch, round, the highest QC (issue 13: carried, so its round is checkable), entries (u16 signer, u64 high-QC round), aggregate. */
    static final String TC_HEX = "0000000000000001" + "0000000000000009"
            + QC_HEX.replace(" ", "")
            + "00000002" + "0000" + "0000000000000006" + "0002" + "0000000000000007"
            + "00000001" + "dd";

    @Test
    void timeoutCertHasGoldenBytes() {
        assertThat(HEX.formatHex(tc().toCanonicalBytes())).isEqualTo(TC_HEX);
        TimeoutCert back = CanonicalReader.decode(hex(TC_HEX), TimeoutCert::decode);
        assertThat(back.entries()).isEqualTo(tc().entries());
        assertThat(back.highQc()).isEqualTo(qc());
        assertThat(back.maxHighQcRound()).isEqualTo(7);
    }

    @Test
    void timeoutCertRejectsUnsortedOrRepeatedSigners() {
        String repeated = "0000000000000001" + "0000000000000009" + QC_HEX.replace(" ", "") + "00000002" + "0002" + "0000000000000006" + "0002" + "0000000000000007" + "00000001" + "dd";
        assertThatThrownBy(() -> CanonicalReader.decode(hex(repeated), TimeoutCert::decode))
                .isInstanceOf(CodecException.class).hasMessageContaining("strictly increasing");
    }

    @Test
    void timeoutMsgAndSyncInfoHaveGoldenBytes() {
        TimeoutMsg t = new TimeoutMsg(1, 10, qc(), tc(), 4, HEX.parseHex("ee"));
        String golden = "0000000000000001" + "000000000000000a" + QC_HEX.replace(" ", "") + "01" + TC_HEX + "0004" + "00000001" + "ee";
        assertThat(HEX.formatHex(t.toCanonicalBytes())).isEqualTo(golden);
        assertThat(CanonicalReader.decode(hex(golden), TimeoutMsg::decode).highTc().round()).isEqualTo(9);
        assertThat(t.signedMessage()).isEqualTo(SigningMessages.timeout(1, 10, 7));

        SyncInfo s = new SyncInfo(qc(), null);
        assertThat(HEX.formatHex(s.toCanonicalBytes())).isEqualTo(QC_HEX.replace(" ", "") + "00");
    }

    @Test
    void validatorSetHasGoldenBytesAndQuorumIsMoreThanTwoThirds() {
        ValidatorSet vs = new ValidatorSet(2, List.of(new Validator(new byte[] {1}, 1), new Validator(new byte[] {2}, 1),
                new Validator(new byte[] {3}, 1), new Validator(new byte[] {4}, 1)));
        // Per validator: public key, stake, proof of possession (empty here).
        String golden = "0000000000000002" + "00000004"
                + "00000001" + "01" + "0000000000000001" + "00000000"
                + "00000001" + "02" + "0000000000000001" + "00000000"
                + "00000001" + "03" + "0000000000000001" + "00000000"
                + "00000001" + "04" + "0000000000000001" + "00000000";
        assertThat(HEX.formatHex(vs.toCanonicalBytes())).isEqualTo(golden);
        assertThat(CanonicalReader.decode(hex(golden), ValidatorSet::decode).size()).isEqualTo(4);
        assertThat(vs.quorumStake()).isEqualTo(3);
        assertThat(vs.weakQuorumStake()).isEqualTo(2);
        BitSet three = new BitSet();
        three.set(0, 3);
        BitSet two = new BitSet();
        two.set(0, 2);
        assertThat(vs.hasQuorum(three)).isTrue();
        assertThat(vs.hasQuorum(two)).isFalse();
    }

    @Test
    void aValidatorCarriesItsProofOfPossession() {
        Validator v = new Validator(new byte[] {7}, 5, new byte[] {(byte) 0xab, (byte) 0xcd});
        String golden = "00000001" + "07" + "0000000000000005" + "00000002" + "abcd";
        io.backplane.codec.CanonicalWriter w = new io.backplane.codec.CanonicalWriter(32);
        v.encode(w);
        assertThat(HEX.formatHex(w.toByteArray())).isEqualTo(golden);
        assertThat(CanonicalReader.decode(hex(golden), Validator::decode).proofOfPossession()).containsExactly(0xab, 0xcd);
        // A proof longer than any signature is refused before allocation.
        assertThatThrownBy(() -> CanonicalReader.decode(hex("00000001" + "07" + "0000000000000005" + "00000061"), Validator::decode))
                .isInstanceOf(CodecException.class).hasMessageContaining("limit 96");
    }

    @Test
    void signingMessagesAreDomainSeparated() {
        byte[] vote = SigningMessages.vote(1, 5, id11());
        byte[] proposal = SigningMessages.proposal(1, 5, id11());
        assertThat(vote).isNotEqualTo(proposal);
        // domain string (u32 length + ASCII), epoch, round, id
        assertThat(HEX.formatHex(vote)).isEqualTo("00000011" + HEX.formatHex("backplane/vote/v1".getBytes()) + "0000000000000001" + "0000000000000005" + ID11);
    }

    @Test
    void consensusMessagesRoundTripWithTheirTag() {
        Block b = new Block(1, 8, qc(), "x".getBytes(), 3, 5, new byte[] {1});
        List<ConsensusMessage> all = List.of(
                new ConsensusMessage.Proposal(b, tc()),
                new ConsensusMessage.VoteMsg(new Vote(1, 8, b.id(), 1, new byte[] {2})),
                new ConsensusMessage.Timeout(new TimeoutMsg(1, 10, qc(), null, 4, new byte[] {3})),
                new ConsensusMessage.Sync(new SyncInfo(qc(), tc())),
                new ConsensusMessage.BlockRequest(b.id(), 64),
                new ConsensusMessage.BlockResponse(List.of(b)));
        for (int i = 0; i < all.size(); i++) {
            byte[] bytes = all.get(i).toCanonicalBytes();
            assertThat(bytes[0]).isEqualTo((byte) (i + 1));
            ConsensusMessage back = ConsensusMessage.decode(bytes);
            assertThat(back.getClass()).isEqualTo(all.get(i).getClass());
            assertThat(back.toCanonicalBytes()).isEqualTo(bytes);
        }
    }

    @Test
    void malformedMessagesAreRejectedWithTheReason() {
        byte[] vote = new ConsensusMessage.VoteMsg(new Vote(1, 8, id11(), 1, new byte[] {2})).toCanonicalBytes();
        assertThatThrownBy(() -> ConsensusMessage.decode(Arrays.copyOf(vote, vote.length + 1)))
                .isInstanceOf(CodecException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> ConsensusMessage.decode(Arrays.copyOf(vote, vote.length - 1)))
                .isInstanceOf(CodecException.class).hasMessageContaining("remain");
        assertThatThrownBy(() -> ConsensusMessage.decode(new byte[] {42}))
                .isInstanceOf(CodecException.class).hasMessageContaining("unknown consensus message tag 42");
        // A signature longer than any scheme's is refused before allocation.
        byte[] hugeSig = hex("0000000000000001", "0000000000000008", ID11, "0001", "00010000");
        assertThatThrownBy(() -> CanonicalReader.decode(hugeSig, Vote::decode))
                .isInstanceOf(CodecException.class).hasMessageContaining("more than the limit 96");
    }
}
