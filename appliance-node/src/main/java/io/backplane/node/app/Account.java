package io.backplane.node.app;

/** An account entry's value: {@code u64 balance || u64 nonce}, big-endian, 16 bytes; both below 2^63. */
record Account(long balance, long nonce) {
    static final Account EMPTY = new Account(0, 0);
    static final int BYTES = 16;

    Account {
        if (balance < 0 || nonce < 0) {
            throw new IllegalArgumentException("account balance and nonce must be below 2^63");
        }
    }

    byte[] encode() {
        byte[] b = new byte[BYTES];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (balance >>> (56 - 8 * i));
            b[8 + i] = (byte) (nonce >>> (56 - 8 * i));
        }
        return b;
    }

    /** Null (no entry) is the empty account; anything but 16 bytes with both numbers below 2^63 is a corrupt state. */
    static Account decode(byte[] b) {
        if (b == null) {
            return EMPTY;
        }
        if (b.length != BYTES) {
            throw new IllegalStateException("ledger state: account entry of " + b.length + " bytes, not " + BYTES + " (corrupt state)");
        }
        long balance = 0;
        long nonce = 0;
        for (int i = 0; i < 8; i++) {
            balance = (balance << 8) | (b[i] & 0xFF);
            nonce = (nonce << 8) | (b[8 + i] & 0xFF);
        }
        if (balance < 0 || nonce < 0) {
            throw new IllegalStateException("ledger state: account balance or nonce of 2^63 or more (corrupt state)");
        }
        return new Account(balance, nonce);
    }

    Account withNextNonce() {
        return new Account(balance, nonce + 1);
    }
}
