package io.backplane.node.ledger;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A proof that a key holds a value (inclusion) or holds nothing (non-inclusion) under a {@link SparseMerkleTree} root:
 * the 256 sibling hashes on the key's path, of which only the non-default ones are carried.
 *
 * <p>Canonical encoding: one version byte {@code 0x01}; a 32-byte bitmap whose bit {@code d} (most significant bit of
 * byte 0 first) says that the sibling at depth {@code d + 1} differs from the empty-subtree hash; then those siblings,
 * 32 bytes each, in increasing depth. Anything else is refused by {@link #decode}.
 */
public final class StateProof {
    static final byte VERSION = 0x01;
    private static final int BITMAP_BYTES = SmtHash.DEPTH / 8;
    private static final int HEADER_BYTES = 1 + BITMAP_BYTES;

    /** siblings[d] is the hash of the sibling of the path node at depth d + 1. */
    private final byte[][] siblings;

    StateProof(byte[][] siblings) {
        if (siblings.length != SmtHash.DEPTH) {
            throw new IllegalArgumentException("a proof has " + SmtHash.DEPTH + " siblings, not " + siblings.length);
        }
        this.siblings = new byte[SmtHash.DEPTH][];
        for (int d = 0; d < SmtHash.DEPTH; d++) {
            this.siblings[d] = siblings[d].clone();
        }
    }

    /** Thrown by {@link #decode} for bytes that are not a canonical proof; the message names the offset. */
    public static final class MalformedProofException extends Exception {
        MalformedProofException(String message) {
            super(message);
        }
    }

    /**
     * Whether {@code proof} shows that {@code key} holds {@code valueOrNull} (null: holds nothing) under {@code root}.
     * False for a null proof or a root that is not 32 bytes.
     */
    public static boolean verify(byte[] root, byte[] key, byte[] valueOrNull, StateProof proof) {
        Objects.requireNonNull(key, "key");
        if (proof == null || root == null || root.length != SmtHash.HASH_BYTES) {
            return false;
        }
        byte[] keyHash = SmtHash.sha256(key);
        byte[] h = valueOrNull == null ? SmtHash.emptyAt(SmtHash.DEPTH) : SmtHash.leaf(keyHash, valueOrNull);
        for (int d = SmtHash.DEPTH - 1; d >= 0; d--) {
            h = SmtHash.up(keyHash, d, h, proof.siblings[d]);
        }
        return MessageDigest.isEqual(h, root);
    }

    public byte[] encode() {
        byte[] bitmap = new byte[BITMAP_BYTES];
        int count = 0;
        for (int d = 0; d < SmtHash.DEPTH; d++) {
            if (!Arrays.equals(siblings[d], SmtHash.emptyAt(d + 1))) {
                bitmap[d >>> 3] |= (byte) (0x80 >>> (d & 7));
                count++;
            }
        }
        byte[] out = new byte[HEADER_BYTES + count * SmtHash.HASH_BYTES];
        out[0] = VERSION;
        System.arraycopy(bitmap, 0, out, 1, BITMAP_BYTES);
        int at = HEADER_BYTES;
        for (int d = 0; d < SmtHash.DEPTH; d++) {
            if ((bitmap[d >>> 3] & (0x80 >>> (d & 7))) != 0) {
                System.arraycopy(siblings[d], 0, out, at, SmtHash.HASH_BYTES);
                at += SmtHash.HASH_BYTES;
            }
        }
        return out;
    }

    /** Decodes a canonical encoding; refuses anything else with a message naming what and where (byte offset). */
    public static StateProof decode(byte[] bytes) throws MalformedProofException {
        if (bytes == null) {
            throw new MalformedProofException("state proof: no bytes (null)");
        }
        if (bytes.length < HEADER_BYTES) {
            throw new MalformedProofException(
                    "state proof truncated: " + bytes.length + " bytes, the header alone is " + HEADER_BYTES);
        }
        if (bytes[0] != VERSION) {
            throw new MalformedProofException(
                    "state proof: unknown version 0x" + String.format("%02x", bytes[0] & 0xff) + " at offset 0 (expected 0x01)");
        }
        int count = 0;
        for (int i = 1; i < HEADER_BYTES; i++) {
            count += Integer.bitCount(bytes[i] & 0xff);
        }
        int expected = HEADER_BYTES + count * SmtHash.HASH_BYTES;
        if (bytes.length != expected) {
            throw new MalformedProofException(
                    "state proof: bitmap (offsets 1-32) announces "
                            + count
                            + " siblings, so "
                            + expected
                            + " bytes, but there are "
                            + bytes.length);
        }
        byte[][] siblings = new byte[SmtHash.DEPTH][];
        int at = HEADER_BYTES;
        for (int d = 0; d < SmtHash.DEPTH; d++) {
            byte[] empty = SmtHash.emptyAt(d + 1);
            if ((bytes[1 + (d >>> 3)] & (0x80 >>> (d & 7))) != 0) {
                byte[] s = Arrays.copyOfRange(bytes, at, at + SmtHash.HASH_BYTES);
                if (Arrays.equals(s, empty)) {
                    throw new MalformedProofException(
                            "state proof not canonical: sibling at depth " + (d + 1) + " (offset " + at
                                    + ") is the empty-subtree hash, which the bitmap must leave out");
                }
                siblings[d] = s;
                at += SmtHash.HASH_BYTES;
            } else {
                siblings[d] = empty;
            }
        }
        return new StateProof(siblings);
    }
}
