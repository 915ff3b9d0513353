package io.backplane.node.mempool;

/**
 * Bounds of the mempool and of one proposed payload.
 *
 * @param maxCount      most pending transactions in all
 * @param maxBytes      most pending bytes (sum of the transactions' encodings)
 * @param maxPerSender  most pending transactions of one sender; also how far past the sender's committed next nonce
 *                      a nonce may be
 * @param maxBlockTx    most transactions in one payload
 * @param maxBlockBytes most bytes of one encoded payload
 */
public record MempoolLimits(int maxCount, long maxBytes, int maxPerSender, int maxBlockTx, int maxBlockBytes) {
    public MempoolLimits {
        positive("maxCount", maxCount);
        positive("maxBytes", maxBytes);
        positive("maxPerSender", maxPerSender);
        positive("maxBlockTx", maxBlockTx);
        positive("maxBlockBytes", maxBlockBytes);
        if (maxBlockTx > io.backplane.node.tx.Payload.MAX_TXS) {
            throw new IllegalArgumentException("mempool maxBlockTx " + maxBlockTx + " is above the payload limit "
                    + io.backplane.node.tx.Payload.MAX_TXS);
        }
    }

    /** 50,000 transactions, 64 MiB, 64 per sender; payloads of at most 2,000 transactions and 1 MiB. */
    public static MempoolLimits defaults() {
        return new MempoolLimits(50_000, 64L << 20, 64, 2_000, 1 << 20);
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException("mempool limit " + name + " must be positive, got " + v);
        }
    }
}
