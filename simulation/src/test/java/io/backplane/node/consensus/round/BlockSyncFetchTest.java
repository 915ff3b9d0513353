package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.round.ConsensusEvent.MessageReceived;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage;
import io.backplane.node.consensus.types.ConsensusMessage.BlockRequest;
import io.backplane.node.consensus.types.ConsensusMessage.BlockResponse;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SyncInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Catching up: which QCs and proposals wait for a block, which requests go out (to whom, how often), what a response yields. */
class BlockSyncFetchTest {
    record Sent(int to, ConsensusMessage message) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final CountingMetrics metrics = new CountingMetrics();
    private final Outbound out = new Outbound() {
        @Override
        public void send(int to, ConsensusMessage message) {
            sent.add(new Sent(to, message));
        }

        @Override
        public void broadcast(ConsensusMessage message) {
            throw new AssertionError("block sync never broadcasts");
        }
    };

    /** Node 2 of a set of at least 4. */
    private final BlockSync sync = new BlockSync(2, out, new ConsensusConfig(1000, 6, 1 << 20, 16), metrics);

    static BlockId id(int n) {
        return BlockId.of(ByteBuffer.allocate(BlockId.LENGTH).putInt(n).array());
    }

    static QuorumCert qc(long round, BlockId block, int... signers) {
        byte bits = 0;
        for (int s : signers) {
            bits |= (byte) (1 << s);
        }
        return new QuorumCert(1, round, block, new byte[] {bits}, new byte[] {1});
    }

    static Block block(Block parent, long round, String payload) {
        return new Block(1, round, parent.isGenesis() ? QuorumCert.genesis(1, parent.id()) : qc(parent.round(), parent.id(), 0, 1, 2),
                payload.getBytes(), 0, 0, new byte[0]);
    }

    static MessageReceived proposalOf(Block b) {
        return new MessageReceived(1, new Proposal(b, null));
    }

    private List<Integer> requestTargets() {
        return sent.stream().filter(s -> s.message() instanceof BlockRequest).map(Sent::to).toList();
    }

    @Test
    void aQcAboveTheCommittedRoundWaitsForItsBlockOnceAndOnlyTheFirstIsKept() {
        QuorumCert first = qc(5, id(1), 0, 1, 3);
        sync.awaitBlock(first, 4);
        sync.awaitBlock(qc(5, id(1), 0, 1, 2), 4);
        sync.awaitBlock(qc(4, id(2), 0, 1, 3), 4);
        assertThat(sync.takeAwaitedQc(id(2))).as("at the committed round").isNull();
        assertThat(sync.takeAwaitedQc(id(1))).isSameAs(first);
        assertThat(sync.takeAwaitedQc(id(1))).as("taken").isNull();
    }

    @Test
    void atMost256QcsWaitForTheirBlocks() {
        for (int i = 0; i < BlockSync.MAX_STASHED + 1; i++) {
            sync.awaitBlock(qc(10, id(i), 0, 1, 3), 0);
        }
        assertThat(sync.takeAwaitedQc(id(BlockSync.MAX_STASHED - 1))).isNotNull();
        assertThat(sync.takeAwaitedQc(id(BlockSync.MAX_STASHED))).as("the 257th").isNull();
    }

    @Test
    void enteringARoundForgetsQcsAtOrBelowTheCommittedRoundAndProposalsOfPastRounds() {
        sync.awaitBlock(qc(5, id(1), 0, 1, 3), 0);
        sync.awaitBlock(qc(6, id(2), 0, 1, 3), 0);
        Block genesis = Block.genesis(1);
        Block b7 = block(genesis, 7, "a");
        Block b8 = block(genesis, 8, "b");
        MessageReceived syncMsg = new MessageReceived(3, new Sync(new SyncInfo(qc(6, id(2), 0, 1, 3), null)));
        sync.stash(id(9), proposalOf(b7));
        sync.stash(id(9), proposalOf(b8));
        sync.stash(id(9), syncMsg);
        sync.stash(id(10), proposalOf(b7));
        sync.enteredRound(8, 5);
        assertThat(sync.takeAwaitedQc(id(1))).as("at the committed round").isNull();
        assertThat(sync.takeAwaitedQc(id(2))).isNotNull();
        assertThat(sync.takeWaiting(id(9))).as("the current round's proposal and non-proposals stay")
                .containsExactly(proposalOf(b8), syncMsg);
        assertThat(sync.takeWaiting(id(10))).as("nothing left for it").isNull();
    }

    @Test
    void theStashHoldsAtMost256MessagesAndCountsWhatItTurnsAway() {
        Block genesis = Block.genesis(1);
        for (int i = 0; i < BlockSync.MAX_STASHED; i++) {
            sync.stash(id(i % 7), proposalOf(block(genesis, 3, "p" + i)));
        }
        assertThat(metrics.get(ConsensusCounter.IGNORED_STASH_FULL)).isZero();
        MessageReceived late = proposalOf(block(genesis, 3, "late"));
        sync.stash(id(100), late);
        assertThat(metrics.get(ConsensusCounter.IGNORED_STASH_FULL)).isEqualTo(1);
        assertThat(sync.takeWaiting(id(100))).isNull();
        assertThat(sync.takeWaiting(id(0))).hasSize(37);
    }

    @Test
    void aBlockIsRequestedOncePerRoundFromAnotherNodeAndAgainInALaterRound() {
        sync.fetch(id(1), 2, 5);
        assertThat(sent).as("never from itself").isEmpty();
        sync.fetch(id(1), 3, 5);
        sync.fetch(id(1), 0, 5);
        assertThat(sent).containsExactly(new Sent(3, new BlockRequest(id(1), 16)));
        sync.fetch(id(1), 0, 6);
        assertThat(requestTargets()).containsExactly(3, 0);
        assertThat(metrics.get(ConsensusCounter.SYNC_BLOCK_REQUESTS)).isEqualTo(2);
    }

    @Test
    void aRefetchAsksAgainInTheSameRound() {
        sync.fetch(id(1), 3, 5);
        sync.refetch(id(1), 1, 5);
        assertThat(requestTargets()).containsExactly(3, 1);
    }

    @Test
    void theMemoryOfRequestsStartsOverBeyond1024Blocks() {
        for (int i = 0; i < 4 * BlockSync.MAX_STASHED; i++) {
            sync.fetch(id(i), 3, 1);
        }
        sync.fetch(id(4 * BlockSync.MAX_STASHED), 3, 1);
        sync.fetch(id(0), 3, 1);
        assertThat(sent).as("1025 remembered: block 0 was asked for this round").hasSize(4 * BlockSync.MAX_STASHED + 1);
        sync.fetch(id(4 * BlockSync.MAX_STASHED + 1), 3, 1);
        sync.fetch(id(0), 3, 1);
        assertThat(sent).as("forgotten, asked again").hasSize(4 * BlockSync.MAX_STASHED + 3);
    }

    @Test
    void aRetryAsksTheSignerPickedByRoundPlusGenerationForEachAwaitedBlock() {
        // Signers 0, 1 and 3 (this node, 2, did not sign): round + generation picks among them.
        sync.awaitBlock(qc(9, id(1), 0, 1, 3), 0);
        sync.retry(10, 1);
        sync.retry(10, 2);
        sync.retry(10, 3);
        sync.retry(10, 4);
        assertThat(requestTargets()).containsExactly(3, 0, 1, 3);
        assertThat(sent).allMatch(s -> s.message().equals(new BlockRequest(id(1), 16)));
    }

    @Test
    void aRetryAsksForAtMostFourAwaitedBlocks() {
        for (int i = 0; i < 6; i++) {
            sync.awaitBlock(qc(9, id(i), 0, 1, 3), 0);
        }
        sync.retry(10, 0);
        assertThat(requestTargets()).hasSize(4);
        sync.retry(10, 0);
        assertThat(requestTargets()).as("asked again from the same signer: a retry is a new timer").hasSize(8);
    }

    @Test
    void anotherSignerIsTheLowestSignerThatIsNotThisNode() {
        assertThat(sync.otherSigner(qc(3, id(1), 0, 1, 3))).isEqualTo(0);
        assertThat(sync.otherSigner(qc(3, id(1), 2, 3))).isEqualTo(3);
        assertThat(sync.otherSigner(qc(3, id(1), 1, 2))).isEqualTo(1);
        assertThat(sync.otherSigner(qc(3, id(1), 2))).as("only this node signed").isEqualTo(2);
    }

    @Test
    void aResponseYieldsTheAwaitedBlockAndTheAncestorsItNeedsOldestFirstWhateverTheOrder() {
        Block genesis = Block.genesis(1);
        Block b1 = block(genesis, 1, "a");
        Block b2 = block(b1, 2, "b");
        Block b3 = block(b2, 3, "c");
        Block stray = block(genesis, 4, "unrequested");
        sync.awaitBlock(qc(3, b3.id(), 0, 1, 3), 0);
        List<Block> got = sync.wanted(new BlockResponse(List.of(b1, stray, b2, b3)), id -> id.equals(genesis.id()));
        assertThat(got).containsExactly(b1, b2, b3);
        assertThat(metrics.get(ConsensusCounter.IGNORED_UNREQUESTED_BLOCK)).isEqualTo(1);
        List<Block> again = sync.wanted(new BlockResponse(List.of(b3, b2, b1)), id -> !id.equals(b3.id()));
        assertThat(again).as("what is held is not wanted, and its ancestors are not walked").containsExactly(b3);
    }
}
