package io.backplane.node.tx;

import io.backplane.accel.Accelerator;
import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.CodecException;
import java.util.ArrayList;
import java.util.List;

/**
 * A block's payload: {@code list<bytes>} of encoded transactions (u32 count, then each as u32 length and the
 * transaction's canonical bytes). The zero-length payload, which a proposer without transactions may send, is an
 * empty block too. The transaction root is RFC 6962 over the transactions' encodings, in payload order.
 */
public final class Payload {
    /** Most transactions one payload may carry. */
    public static final int MAX_TXS = 20_000;

    private Payload() {
    }

    public static byte[] encode(List<Transaction> txs) {
        List<byte[]> encoded = new ArrayList<>(txs.size());
        for (Transaction tx : txs) {
            encoded.add(tx.encode());
        }
        return ofEncoded(encoded);
    }

    /** A payload of transactions already encoded (the mempool keeps them so); each must be a canonical transaction. */
    public static byte[] ofEncoded(List<byte[]> encodedTxs) {
        if (encodedTxs.size() > MAX_TXS) {
            throw new IllegalArgumentException("a payload carries at most " + MAX_TXS + " transactions, not " + encodedTxs.size());
        }
        CanonicalWriter w = new CanonicalWriter(4 + encodedTxs.size() * 160);
        w.list(encodedTxs, CanonicalWriter::bytes);
        return w.toByteArray();
    }

    /** The encoded size of a payload of {@code count} transactions whose encodings total {@code txBytes} bytes. */
    public static long encodedSize(int count, long txBytes) {
        return 4L + 4L * count + txBytes;
    }

    /** Decodes strictly: every transaction canonical, nothing trailing; the message names the entry and offset. */
    public static List<Transaction> decode(byte[] payload) throws CodecException {
        if (payload == null) {
            throw new CodecException("payload: no bytes (null)");
        }
        if (payload.length == 0) {
            return List.of();
        }
        CanonicalReader r = new CanonicalReader(payload);
        List<byte[]> raw = r.list(MAX_TXS, in -> in.bytes(Transaction.MAX_ENCODED_BYTES));
        r.finish();
        List<Transaction> txs = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            try {
                txs.add(Transaction.decode(raw.get(i)));
            } catch (CodecException e) {
                throw new CodecException("payload: transaction " + i + ": " + e.getMessage());
            }
        }
        return List.copyOf(txs);
    }

    /** RFC 6962 Merkle root over the transactions' encodings (SHA-256 of nothing for no transactions). */
    public static byte[] txRoot(Accelerator accel, List<Transaction> txs) {
        List<byte[]> leaves = new ArrayList<>(txs.size());
        for (Transaction tx : txs) {
            leaves.add(tx.encode());
        }
        return accel.merkleRoot(leaves);
    }
}
