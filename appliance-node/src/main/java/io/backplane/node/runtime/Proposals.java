package io.backplane.node.runtime;

import io.backplane.accel.Accelerator;
import io.backplane.codec.CodecException;
import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.round.PayloadSource;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.ledger.LedgerStore;
import io.backplane.node.mempool.Mempool;
import io.backplane.node.tx.Payload;
import io.backplane.node.tx.Transaction;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node's side of a proposal, on the consensus thread: what a leader puts in its block (transactions from the
 * mempool not already in an uncommitted block, the transaction root, the latest state root it executed) and what a
 * voter checks before voting (the payload decodes strictly, its transaction root is right, and the state root matches
 * its own for that height when it has executed it). Transactions seen in proposed blocks stay "in flight" for
 * {@link #IN_FLIGHT_ROUNDS} rounds, so consecutive leaders do not propose them again while they commit (a sender's
 * later nonces still go into the next block, after its in-flight ones in the chain); if their block never commits they
 * become eligible again, and the ledger never applies a nonce twice or out of order.
 */
final class Proposals implements PayloadSource, ProposalValidator {
    static final long IN_FLIGHT_ROUNDS = 12;

    private final Mempool mempool;
    private final LedgerStore ledger;
    private final Accelerator accel;
    /** Hash (hex) of each transaction in a proposed block to the round it was proposed in. */
    private final Map<String, Long> inFlight = new HashMap<>();
    private long rejected;

    Proposals(Mempool mempool, LedgerStore ledger, Accelerator accel) {
        this.mempool = mempool;
        this.ledger = ledger;
        this.accel = accel;
    }

    @Override
    public byte[] nextPayload(long round) {
        expire(round);
        List<Transaction> txs = mempool.select(hash -> inFlight.containsKey(HexFormat.of().formatHex(hash)));
        long h = ledger.executedHeight();
        byte[] root = ledger.stateRootAt(h).orElseThrow(() -> new IllegalStateException("no state root for executed height " + h));
        byte[] payload = new NodePayload(Payload.txRoot(accel, txs), h, root, txs).encode();
        seen(txs, round);
        return payload;
    }

    @Override
    public Verdict validate(Block block) {
        NodePayload p;
        try {
            p = NodePayload.decode(block.payload());
        } catch (CodecException e) {
            rejected++;
            return Verdict.REJECT;
        }
        if (!Arrays.equals(Payload.txRoot(accel, p.txs()), p.txRoot())) {
            rejected++;
            return Verdict.REJECT;
        }
        long executed = ledger.executedHeight();
        if (p.stateHeight() <= executed) {
            Optional<byte[]> mine = ledger.stateRootAt(p.stateHeight());
            if (mine.isPresent() && !Arrays.equals(mine.get(), p.stateRoot())) {
                rejected++;
                return Verdict.REJECT;
            }
        }
        expire(block.round());
        seen(p.txs(), block.round());
        return Verdict.ACCEPT;
    }

    long rejected() {
        return rejected;
    }

    private void seen(List<Transaction> txs, long round) {
        for (Transaction t : txs) {
            inFlight.merge(HexFormat.of().formatHex(t.hash()), round, Math::max);
        }
    }

    private void expire(long round) {
        for (Iterator<Long> it = inFlight.values().iterator(); it.hasNext(); ) {
            if (it.next() + IN_FLIGHT_ROUNDS < round) {
                it.remove();
            }
        }
    }
}
