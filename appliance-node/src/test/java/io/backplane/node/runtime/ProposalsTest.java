package io.backplane.node.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backplane.accel.Accelerator;
import io.backplane.codec.CodecException;
import io.backplane.node.consensus.crypto.AccelTestSupport;
import io.backplane.node.consensus.liveness.ProposalValidator.Verdict;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.ledger.InMemoryLedgerStore;
import io.backplane.node.ledger.SparseMerkleTree;
import io.backplane.node.mempool.Mempool;
import io.backplane.node.mempool.MempoolLimits;
import io.backplane.node.tx.Payload;
import io.backplane.node.tx.Transaction;
import io.backplane.node.tx.TxFixtures;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;

class ProposalsTest {
    private final Accelerator accel = AccelTestSupport.cpuOnly();
    private final InMemoryLedgerStore ledger = new InMemoryLedgerStore();
    private final Mempool mempool = new Mempool(TxFixtures.CHAIN, MempoolLimits.defaults(), accel, sender -> 0L);
    private final Proposals proposals;

    ProposalsTest() {
        ledger.commit(0, SparseMerkleTree.emptyRoot(), List.of());
        proposals = new Proposals(mempool, ledger, accel);
    }

    private static Block block(long round, byte[] payload) {
        Block g = Block.genesis(1);
        return new Block(1, round, QuorumCert.genesis(1, g.id()), payload, 0, 1000 + round, new byte[0]);
    }

    private void submit(Transaction... txs) {
        mempool.submit(Arrays.stream(txs).map(Transaction::encode).toList());
    }

    @Test
    void aLeadersPayloadPassesItsOwnChecksAndNamesTheExecutedStateRoot() {
        Ed25519PrivateKeyParameters a = TxFixtures.key(1);
        submit(TxFixtures.put(a, 0, "k", "v"), TxFixtures.put(a, 1, "k", "w"));
        byte[] payload = proposals.nextPayload(1);
        NodePayload p = NodePayload.decode(payload);
        assertEquals(2, p.txs().size());
        assertEquals(0, p.stateHeight());
        assertArrayEquals(SparseMerkleTree.emptyRoot(), p.stateRoot());
        assertArrayEquals(Payload.txRoot(accel, p.txs()), p.txRoot());
        assertEquals(Verdict.ACCEPT, proposals.validate(block(1, payload)));
    }

    @Test
    void transactionsInAnUncommittedBlockAreNotProposedAgainButLaterNoncesFollowThem() {
        Ed25519PrivateKeyParameters a = TxFixtures.key(2);
        submit(TxFixtures.put(a, 0, "k", "v"));
        assertEquals(1, NodePayload.decode(proposals.nextPayload(1)).txs().size());
        submit(TxFixtures.put(a, 1, "k", "w"));
        List<Transaction> next = NodePayload.decode(proposals.nextPayload(2)).txs();
        assertEquals(1, next.size());
        assertEquals(1, next.get(0).nonce());
        // a block that never committed: after the in-flight window its transactions are proposed again
        assertEquals(2, NodePayload.decode(proposals.nextPayload(2 + Proposals.IN_FLIGHT_ROUNDS + 1)).txs().size());
    }

    @Test
    void aWrongTransactionRootADivergentStateRootOrAnUndecodablePayloadIsRejected() {
        Ed25519PrivateKeyParameters a = TxFixtures.key(3);
        List<Transaction> txs = List.of(TxFixtures.put(a, 0, "k", "v"));
        byte[] good = Payload.txRoot(accel, txs);
        byte[] wrongRoot = good.clone();
        wrongRoot[0] ^= 1;
        assertEquals(Verdict.REJECT, proposals.validate(block(1, new NodePayload(wrongRoot, 0, SparseMerkleTree.emptyRoot(), txs).encode())));
        byte[] otherState = SparseMerkleTree.emptyRoot();
        otherState[31] ^= 1;
        assertEquals(Verdict.REJECT, proposals.validate(block(2, new NodePayload(good, 0, otherState, txs).encode())));
        assertEquals(Verdict.REJECT, proposals.validate(block(3, new byte[] {1, 2, 3})));
        assertEquals(Verdict.REJECT, proposals.validate(block(4, new byte[0])));
        // a state height this node has not executed yet cannot be checked: the transaction root still is
        assertEquals(Verdict.ACCEPT, proposals.validate(block(5, new NodePayload(good, 7, otherState, txs).encode())));
        assertEquals(3 + 1, proposals.rejected());
    }

    @Test
    void thePayloadCodecRefusesTrailingBytesEveryTruncationAndAnotherVersion() {
        Ed25519PrivateKeyParameters a = TxFixtures.key(4);
        List<Transaction> txs = List.of(TxFixtures.put(a, 0, "k", "v"), TxFixtures.put(a, 1, "j", "w"));
        byte[] enc = new NodePayload(Payload.txRoot(accel, txs), 3, SparseMerkleTree.emptyRoot(), txs).encode();
        NodePayload back = NodePayload.decode(enc);
        assertEquals(3, back.stateHeight());
        assertEquals(2, back.txs().size());
        for (int cut = 0; cut < enc.length; cut++) {
            byte[] shorter = Arrays.copyOf(enc, cut);
            assertThrows(CodecException.class, () -> NodePayload.decode(shorter), "cut at " + cut);
        }
        byte[] longer = Arrays.copyOf(enc, enc.length + 1);
        assertThrows(CodecException.class, () -> NodePayload.decode(longer));
        byte[] v2 = enc.clone();
        v2[0] = 2;
        assertTrue(assertThrows(CodecException.class, () -> NodePayload.decode(v2)).getMessage().contains("version"));
    }
}
