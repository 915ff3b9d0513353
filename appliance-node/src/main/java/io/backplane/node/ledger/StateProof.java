package io.backplane.node.ledger;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A proof that a key holds a value (inclusion) or holds nothing (non-inclusion) under a {@link SparseMerkleTree} root:
 * the sibling hashes from the root down to the terminal depth t on the key's path, and what the subtree at depth t is:
 * the key's own leaf (inclusion), an empty subtree, or the leaf of another key that shares the key's first t bits
 * (both non-inclusion; the latter carries that key's hash and value hash). {@link #verify} folds up from depth t.
 *
 * <p>Canonical encoding: version byte {@code 0x02}; the terminal depth t as two bytes, big-endian, at most 256; the
 * terminal kind (0 the key's leaf, 1 empty, 2 another key's leaf); a bitmap of ceil(t/8) bytes whose bit {@code d}
 * (most significant bit of the first byte first) says that the sibling at depth {@code d + 1} is not the empty-subtree
 * hash, the bits from t on zero and bit t - 1 set (the sibling of a terminal is never empty in the compact tree: a leaf
 * with an empty sibling is hoisted, an empty subtree with an empty sibling is part of a larger one); those siblings, 32 bytes each, in increasing depth; for kind 2, the other key's hash
 * and its value's hash, 32 bytes each. Anything else is refused by {@link #decode}.
 */
public final class StateProof {
    static final byte VERSION = 0x02;
    static final int HEADER_BYTES = 4;

    /** What the subtree at the terminal depth is. */
    enum Kind {
        /** The key's own leaf: the key holds the value. */
        LEAF,
        /** An empty subtree: the key holds nothing. */
        EMPTY,
        /** The leaf of another key sharing the key's path down to the terminal: the key holds nothing. */
        OTHER_LEAF
    }

    /** siblings[d] is the hash of the sibling of the path node at depth d + 1; there are t of them. */
    private final byte[][] siblings;
    private final Kind kind;
    private final byte[] otherKeyHash;
    private final byte[] otherValueHash;

    StateProof(byte[][] siblings, Kind kind, byte[] otherKeyHash, byte[] otherValueHash) {
        if (siblings.length > SmtHash.DEPTH) {
            throw new IllegalArgumentException("a proof has at most " + SmtHash.DEPTH + " siblings, not " + siblings.length);
        }
        this.kind = Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.OTHER_LEAF) != (otherKeyHash != null) || (otherKeyHash == null) != (otherValueHash == null)) {
            throw new IllegalArgumentException("another key's hash and value hash come with, and only with, OTHER_LEAF");
        }
        this.siblings = new byte[siblings.length][];
        for (int d = 0; d < siblings.length; d++) {
            if (siblings[d].length != SmtHash.HASH_BYTES) {
                throw new IllegalArgumentException("sibling at depth " + (d + 1) + " is not 32 bytes");
            }
            this.siblings[d] = siblings[d].clone();
        }
        this.otherKeyHash = otherKeyHash == null ? null : checked(otherKeyHash).clone();
        this.otherValueHash = otherValueHash == null ? null : checked(otherValueHash).clone();
    }

    static StateProof inclusion(byte[][] siblings) {
        return new StateProof(siblings, Kind.LEAF, null, null);
    }

    static StateProof empty(byte[][] siblings) {
        return new StateProof(siblings, Kind.EMPTY, null, null);
    }

    static StateProof otherLeaf(byte[][] siblings, byte[] otherKeyHash, byte[] otherValueHash) {
        return new StateProof(siblings, Kind.OTHER_LEAF, otherKeyHash, otherValueHash);
    }

    private static byte[] checked(byte[] hash) {
        if (hash.length != SmtHash.HASH_BYTES) {
            throw new IllegalArgumentException("a hash is 32 bytes, not " + hash.length);
        }
        return hash;
    }

    /** The terminal kind (for tests and diagnostics). */
    Kind kind() {
        return kind;
    }

    /** The terminal depth t: the number of siblings carried. */
    int depth() {
        return siblings.length;
    }

    /** Thrown by {@link #decode} for bytes that are not a canonical proof; the message names the offset. */
    public static final class MalformedProofException extends Exception {
        MalformedProofException(String message) {
            super(message);
        }
    }

    /**
     * Whether {@code proof} shows that {@code key} holds {@code valueOrNull} (null: holds nothing) under {@code root}.
     * False for a null proof or a root that is not 32 bytes; false for a non-inclusion proof whose other leaf is the
     * key itself or does not share the key's first t bits.
     */
    public static boolean verify(byte[] root, byte[] key, byte[] valueOrNull, StateProof proof) {
        Objects.requireNonNull(key, "key");
        if (proof == null || root == null || root.length != SmtHash.HASH_BYTES) {
            return false;
        }
        byte[] keyHash = SmtHash.sha256(key);
        int t = proof.siblings.length;
        byte[] h;
        switch (proof.kind) {
            case LEAF -> {
                if (valueOrNull == null) {
                    return false;
                }
                h = SmtHash.leaf(keyHash, valueOrNull);
            }
            case EMPTY -> {
                if (valueOrNull != null) {
                    return false;
                }
                h = SmtHash.emptyAt(t);
            }
            case OTHER_LEAF -> {
                if (valueOrNull != null
                        || Arrays.equals(proof.otherKeyHash, keyHash)
                        || !SmtHash.samePrefix(proof.otherKeyHash, keyHash, t)) {
                    return false;
                }
                h = SmtHash.leafOfValueHash(proof.otherKeyHash, proof.otherValueHash);
            }
            default -> throw new AssertionError(proof.kind);
        }
        for (int d = t - 1; d >= 0; d--) {
            h = SmtHash.up(keyHash, d, h, proof.siblings[d]);
        }
        return MessageDigest.isEqual(h, root);
    }

    public byte[] encode() {
        int t = siblings.length;
        int bitmapBytes = (t + 7) / 8;
        byte[] bitmap = new byte[bitmapBytes];
        int count = 0;
        for (int d = 0; d < t; d++) {
            if (!Arrays.equals(siblings[d], SmtHash.emptyAt(d + 1))) {
                bitmap[d >>> 3] |= (byte) (0x80 >>> (d & 7));
                count++;
            }
        }
        int tail = kind == Kind.OTHER_LEAF ? 2 * SmtHash.HASH_BYTES : 0;
        byte[] out = new byte[HEADER_BYTES + bitmapBytes + count * SmtHash.HASH_BYTES + tail];
        out[0] = VERSION;
        out[1] = (byte) (t >>> 8);
        out[2] = (byte) t;
        out[3] = (byte) kind.ordinal();
        System.arraycopy(bitmap, 0, out, HEADER_BYTES, bitmapBytes);
        int at = HEADER_BYTES + bitmapBytes;
        for (int d = 0; d < t; d++) {
            if ((bitmap[d >>> 3] & (0x80 >>> (d & 7))) != 0) {
                System.arraycopy(siblings[d], 0, out, at, SmtHash.HASH_BYTES);
                at += SmtHash.HASH_BYTES;
            }
        }
        if (kind == Kind.OTHER_LEAF) {
            System.arraycopy(otherKeyHash, 0, out, at, SmtHash.HASH_BYTES);
            System.arraycopy(otherValueHash, 0, out, at + SmtHash.HASH_BYTES, SmtHash.HASH_BYTES);
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
            throw new MalformedProofException("state proof: unknown version 0x" + String.format("%02x", bytes[0] & 0xff)
                    + " at offset 0 (expected 0x02)");
        }
        int t = ((bytes[1] & 0xff) << 8) | (bytes[2] & 0xff);
        if (t > SmtHash.DEPTH) {
            throw new MalformedProofException(
                    "state proof: terminal depth " + t + " at offset 1 exceeds " + SmtHash.DEPTH);
        }
        int k = bytes[3] & 0xff;
        if (k >= Kind.values().length) {
            throw new MalformedProofException("state proof: unknown terminal kind " + k + " at offset 3 (0, 1 or 2)");
        }
        Kind kind = Kind.values()[k];
        int bitmapBytes = (t + 7) / 8;
        if (bytes.length < HEADER_BYTES + bitmapBytes) {
            throw new MalformedProofException("state proof truncated: " + bytes.length + " bytes, the bitmap for depth "
                    + t + " ends at offset " + (HEADER_BYTES + bitmapBytes));
        }
        if ((t & 7) != 0) {
            int last = HEADER_BYTES + bitmapBytes - 1;
            if ((bytes[last] & (0xff >>> (t & 7))) != 0) {
                throw new MalformedProofException("state proof not canonical: bitmap bits past depth " + t
                        + " are set (offset " + last + ")");
            }
        }
        int count = 0;
        for (int i = HEADER_BYTES; i < HEADER_BYTES + bitmapBytes; i++) {
            count += Integer.bitCount(bytes[i] & 0xff);
        }
        int tail = kind == Kind.OTHER_LEAF ? 2 * SmtHash.HASH_BYTES : 0;
        int expected = HEADER_BYTES + bitmapBytes + count * SmtHash.HASH_BYTES + tail;
        if (bytes.length != expected) {
            throw new MalformedProofException("state proof: depth " + t + " (offset 1), kind " + k
                    + " (offset 3) and bitmap (offsets " + HEADER_BYTES + "-" + (HEADER_BYTES + bitmapBytes)
                    + ", exclusive) announce " + count + " siblings" + (tail == 0 ? "" : " and another key's leaf")
                    + ", so " + expected + " bytes, but there are " + bytes.length);
        }
        if (t > 0 && (bytes[HEADER_BYTES + ((t - 1) >>> 3)] & (0x80 >>> ((t - 1) & 7))) == 0) {
            // a terminal with an empty sibling would have been hoisted (a leaf) or merged into its parent (empty)
            throw new MalformedProofException("state proof not canonical: the sibling at terminal depth " + t
                    + " is empty (bitmap offset " + (HEADER_BYTES + ((t - 1) >>> 3)) + "), so the terminal is too deep");
        }
        byte[][] siblings = new byte[t][];
        int at = HEADER_BYTES + bitmapBytes;
        for (int d = 0; d < t; d++) {
            byte[] empty = SmtHash.emptyAt(d + 1);
            if ((bytes[HEADER_BYTES + (d >>> 3)] & (0x80 >>> (d & 7))) != 0) {
                byte[] s = Arrays.copyOfRange(bytes, at, at + SmtHash.HASH_BYTES);
                if (Arrays.equals(s, empty)) {
                    throw new MalformedProofException("state proof not canonical: sibling at depth " + (d + 1)
                            + " (offset " + at + ") is the empty-subtree hash, which the bitmap must leave out");
                }
                siblings[d] = s;
                at += SmtHash.HASH_BYTES;
            } else {
                siblings[d] = empty;
            }
        }
        if (kind != Kind.OTHER_LEAF) {
            return new StateProof(siblings, kind, null, null);
        }
        return new StateProof(siblings, kind, Arrays.copyOfRange(bytes, at, at + SmtHash.HASH_BYTES),
                Arrays.copyOfRange(bytes, at + SmtHash.HASH_BYTES, at + 2 * SmtHash.HASH_BYTES));
    }
}
