package io.backplane.node.tx;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a transaction does to the ledger. Each op bumps the sender's nonce when applied; the sizes are checked here, so
 * an op that exists always encodes within {@link Transaction#MAX_ENCODED_BYTES}. Arrays are copied in; content
 * equality.
 */
public sealed interface Op {
    /** Longest key of a put or delete, in bytes. */
    int MAX_KEY_BYTES = 256;
    /** Longest value of a put, in bytes. */
    int MAX_VALUE_BYTES = 4096;
    /** Ed25519 public key size of a transfer's recipient. */
    int ACCOUNT_BYTES = 32;

    /** Sets {@code key} in the sender's own namespace to {@code value}. */
    record Put(byte[] key, byte[] value) implements Op {
        public Put {
            key = checkKey(key);
            Objects.requireNonNull(value, "value");
            if (value.length > MAX_VALUE_BYTES) {
                throw new IllegalArgumentException("put value is " + value.length + " bytes, more than " + MAX_VALUE_BYTES);
            }
            value = value.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Put p && Arrays.equals(key, p.key) && Arrays.equals(value, p.value);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Put[key=" + HexFormat.of().formatHex(key) + ", value=" + value.length + " bytes]";
        }
    }

    /** Removes {@code key} from the sender's own namespace (absent: nothing to remove, the nonce still moves). */
    record Delete(byte[] key) implements Op {
        public Delete {
            key = checkKey(key);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Delete d && Arrays.equals(key, d.key);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key);
        }

        @Override
        public String toString() {
            return "Delete[key=" + HexFormat.of().formatHex(key) + "]";
        }
    }

    /**
     * Moves {@code amount} from the sender to the account {@code to} (a 32-byte Ed25519 public key). The amount must
     * not be negative here (it is a u64 below 2^63 on the wire); that it is positive is an execution rule.
     */
    record Transfer(byte[] to, long amount) implements Op {
        public Transfer {
            Objects.requireNonNull(to, "to");
            if (to.length != ACCOUNT_BYTES) {
                throw new IllegalArgumentException("transfer recipient is " + to.length + " bytes, not " + ACCOUNT_BYTES);
            }
            if (amount < 0) {
                throw new IllegalArgumentException("transfer amount " + Long.toUnsignedString(amount) + " is 2^63 or more");
            }
            to = to.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Transfer t && Arrays.equals(to, t.to) && amount == t.amount;
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(to) + Long.hashCode(amount);
        }

        @Override
        public String toString() {
            return "Transfer[to=" + HexFormat.of().formatHex(to) + ", amount=" + amount + "]";
        }
    }

    private static byte[] checkKey(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length == 0 || key.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key is " + key.length + " bytes, must be 1 to " + MAX_KEY_BYTES);
        }
        return key.clone();
    }
}
