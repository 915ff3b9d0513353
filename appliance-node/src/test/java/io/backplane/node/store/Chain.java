package io.backplane.node.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.codec.Encodable;
import io.backplane.node.consensus.round.BlockStore;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** Test fixtures: blocks, certificates and timeouts of epoch 1 (unsigned: storage does not verify), and snapshot comparison. */
final class Chain {
    static final Block GENESIS = Block.genesis(1);

    private Chain() {
    }

    static QuorumCert certify(Block b) {
        return new QuorumCert(1, b.round(), b.id(), new byte[] {7}, new byte[] {1, 2, 3});
    }

    static Block child(Block parent, long round, String payload) {
        QuorumCert qc = parent.isGenesis() ? QuorumCert.genesis(1, parent.id()) : certify(parent);
        return new Block(1, round, qc, payload.getBytes(StandardCharsets.UTF_8), (int) (round % 4), 1000 * round, new byte[] {9, (byte) round});
    }

    /** A chain of blocks in rounds first, first + 1, ... on {@code parent}. */
    static List<Block> extend(Block parent, long firstRound, int n, String tag) {
        Block[] out = new Block[n];
        Block p = parent;
        for (int i = 0; i < n; i++) {
            p = child(p, firstRound + i, tag + (firstRound + i));
            out[i] = p;
        }
        return List.of(out);
    }

    static TimeoutCert tc(long round, QuorumCert highQc) {
        return new TimeoutCert(1, round, highQc, List.of(new TimeoutCert.Entry(0, highQc.round()), new TimeoutCert.Entry(2, highQc.round())), new byte[] {5});
    }

    static TimeoutMsg timeout(long round, QuorumCert highQc, byte[] signature) {
        return new TimeoutMsg(1, round, highQc, null, 1, signature);
    }

    /** Snapshots compared by their canonical encodings (the certificates' records hold arrays). */
    static void assertSameSnapshot(BlockStore.Snapshot actual, BlockStore.Snapshot expected) {
        assertThat(actual.committedHeight()).as("committed height").isEqualTo(expected.committedHeight());
        assertThat(actual.committedTip().map(Chain::hex)).as("committed tip").isEqualTo(expected.committedTip().map(Chain::hex));
        assertThat(actual.uncommitted().stream().map(Chain::hex).toList()).as("uncommitted tail")
                .isEqualTo(expected.uncommitted().stream().map(Chain::hex).toList());
        assertThat(actual.highQc().map(Chain::hex)).as("high QC").isEqualTo(expected.highQc().map(Chain::hex));
        assertThat(actual.highTc().map(Chain::hex)).as("high TC").isEqualTo(expected.highTc().map(Chain::hex));
        assertThat(actual.ownTimeout().map(Chain::hex)).as("own timeout").isEqualTo(expected.ownTimeout().map(Chain::hex));
    }

    static String hex(Encodable e) {
        return java.util.HexFormat.of().formatHex(e.toCanonicalBytes());
    }

    static Optional<String> hex(Optional<? extends Encodable> e) {
        return e.map(Chain::hex);
    }
}
