package io.backplane.node.ledger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The hash functions of the sparse Merkle tree (SHA-256 with domain-separating prefixes). */
final class SmtHash {
    static final int DEPTH = 256;
    static final int HASH_BYTES = 32;
    private static final byte LEAF = 0x00;
    private static final byte INNER = 0x01;

    /** DEFAULTS[h] is the hash of an empty subtree of height h; DEFAULTS[0], the empty leaf, is 32 zero bytes. */
    private static final byte[][] DEFAULTS = new byte[DEPTH + 1][];

    private static final ThreadLocal<MessageDigest> SHA256 =
            ThreadLocal.withInitial(
                    () -> {
                        try {
                            return MessageDigest.getInstance("SHA-256");
                        } catch (NoSuchAlgorithmException e) {
                            throw new IllegalStateException("SHA-256 is required of every JDK", e);
                        }
                    });

    static {
        DEFAULTS[0] = new byte[HASH_BYTES];
        for (int h = 1; h <= DEPTH; h++) {
            DEFAULTS[h] = inner(DEFAULTS[h - 1], DEFAULTS[h - 1]);
        }
    }

    private SmtHash() {}

    static byte[] sha256(byte[] data) {
        return SHA256.get().digest(data);
    }

    /** Hash of an empty subtree whose root is at {@code depth} (0 = tree root, 256 = leaf). */
    static byte[] emptyAt(int depth) {
        return DEFAULTS[DEPTH - depth];
    }

    static byte[] leaf(byte[] keyHash, byte[] value) {
        return leafOfValueHash(keyHash, sha256(value));
    }

    /** The leaf hash SHA-256(0x00 ‖ keyHash ‖ valueHash), from the value's hash. */
    static byte[] leafOfValueHash(byte[] keyHash, byte[] valueHash) {
        MessageDigest md = SHA256.get();
        md.update(LEAF);
        md.update(keyHash);
        md.update(valueHash);
        return md.digest();
    }

    static byte[] inner(byte[] left, byte[] right) {
        MessageDigest md = SHA256.get();
        md.update(INNER);
        md.update(left);
        md.update(right);
        return md.digest();
    }

    /** Whether {@code a} and {@code b} agree on their first {@code bits} bits (most significant bit of byte 0 first). */
    static boolean samePrefix(byte[] a, byte[] b, int bits) {
        int full = bits >>> 3;
        for (int i = 0; i < full; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        int rest = bits & 7;
        return rest == 0 || ((a[full] ^ b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
    }

    /** Bit {@code depth} of the key hash, most significant bit of byte 0 first: 0 = left child, 1 = right. */
    static int bit(byte[] keyHash, int depth) {
        return (keyHash[depth >>> 3] >>> (7 - (depth & 7))) & 1;
    }

    /** Parent of {@code child} (at depth + 1) and {@code sibling}, placed by the key's bit at {@code depth}. */
    static byte[] up(byte[] keyHash, int depth, byte[] child, byte[] sibling) {
        return bit(keyHash, depth) == 0 ? inner(child, sibling) : inner(sibling, child);
    }
}
