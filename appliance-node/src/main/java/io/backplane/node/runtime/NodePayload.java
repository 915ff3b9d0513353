package io.backplane.node.runtime;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.CodecException;
import io.backplane.node.tx.Payload;
import io.backplane.node.tx.Transaction;
import java.util.List;

/**
 * A block's payload in the node: the RFC 6962 root of its transactions, the ledger state root after height
 * {@code stateHeight} as the leader executed it, and the transactions. Voters recompute the transaction root and, when
 * they have executed {@code stateHeight} themselves, compare the state root: a node whose state diverged does not vote.
 */
public record NodePayload(byte[] txRoot, long stateHeight, byte[] stateRoot, List<Transaction> txs) {
    private static final int VERSION = 1;
    private static final int ROOT = 32;
    /** The most transaction bytes one payload carries (the consensus payload cap is the tighter bound). */
    static final int MAX_TX_BYTES = 16 << 20;

    public byte[] encode() {
        return new CanonicalWriter().u8(VERSION).fixed(txRoot, ROOT).u64(stateHeight).fixed(stateRoot, ROOT)
                .bytes(Payload.encode(txs)).toByteArray();
    }

    /** Strict: a wrong version, a short root or trailing bytes fail, as does any undecodable transaction. */
    public static NodePayload decode(byte[] bytes) throws CodecException {
        return CanonicalReader.decode(bytes, r -> {
            int v = r.u8();
            if (v != VERSION) {
                throw new CodecException("payload version " + v + ", expected " + VERSION);
            }
            byte[] txRoot = r.fixed(ROOT);
            long h = r.u64();
            byte[] root = r.fixed(ROOT);
            List<Transaction> txs = Payload.decode(r.bytes(MAX_TX_BYTES));
            return new NodePayload(txRoot, h, root, txs);
        });
    }
}
