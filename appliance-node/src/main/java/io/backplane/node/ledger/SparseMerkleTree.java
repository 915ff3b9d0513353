package io.backplane.node.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A 256-level sparse Merkle tree keyed by SHA-256(key): leaf = SHA-256(0x00 ‖ keyHash ‖ SHA-256(value)), inner =
 * SHA-256(0x01 ‖ left ‖ right), empty subtrees hash to precomputed per-level defaults (empty leaf: 32 zero bytes).
 *
 * <p>The root is exactly that of the full 256-level tree, but the store holds only: a branch entry for every node with
 * two or more keys below it, and a leaf entry (key hash, leaf hash, subtree hash) at the topmost node whose subtree
 * holds a single key. A changed key costs about 256 hashes plus one extra fold when it splits a single-key subtree,
 * independent of how many keys the state holds. Not thread-safe.
 */
public final class SparseMerkleTree {
    private static final byte NODE = 'N';
    private static final byte VALUE = 'V';
    private static final byte BRANCH = 0;
    private static final byte LEAF = 1;

    /** A value read with its proof against {@link #root()}; value is null when the key holds nothing. */
    public record Proven(byte[] value, StateProof proof) {}

    private record Entry(byte[] hash, byte[] keyHash, byte[] leafHash) {
        boolean isLeaf() {
            return keyHash != null;
        }
    }

    private final NodeStore store;
    private byte[] root;

    public SparseMerkleTree(NodeStore store) {
        this.store = Objects.requireNonNull(store, "store");
        Entry top = load(0, new byte[SmtHash.HASH_BYTES]);
        this.root = top == null ? emptyRoot() : top.hash();
    }

    public static byte[] emptyRoot() {
        return SmtHash.emptyAt(0).clone();
    }

    public byte[] root() {
        return root.clone();
    }

    /**
     * Applies a batch: a null value deletes the key. Keys are compared by content; two equal keys in one batch are
     * refused before anything changes. Returns the new root.
     */
    public byte[] apply(Map<byte[], byte[]> changes) {
        record Change(byte[] keyHash, byte[] value) {}
        List<Change> list = new ArrayList<>(changes.size());
        for (Map.Entry<byte[], byte[]> e : changes.entrySet()) {
            list.add(new Change(SmtHash.sha256(Objects.requireNonNull(e.getKey(), "key")), e.getValue()));
        }
        list.sort((a, b) -> Arrays.compareUnsigned(a.keyHash(), b.keyHash()));
        for (int i = 1; i < list.size(); i++) {
            if (Arrays.equals(list.get(i - 1).keyHash(), list.get(i).keyHash())) {
                throw new IllegalArgumentException("the batch names the same key twice");
            }
        }
        for (Change c : list) {
            update(c.keyHash(), c.value());
        }
        return root();
    }

    /**
     * The value of {@code key}, or null when absent, without a proof: one store read (values are kept by key hash
     * beside the tree's nodes), for execution and account lookups; {@link #get} when the answer must be provable.
     */
    public byte[] value(byte[] key) {
        return store.get(valueId(SmtHash.sha256(Objects.requireNonNull(key, "key"))));
    }

    /** The value of {@code key} (null when absent) with an inclusion or non-inclusion proof against {@link #root()}. */
    public Proven get(byte[] key) {
        byte[] kh = SmtHash.sha256(Objects.requireNonNull(key, "key"));
        byte[][] sib = new byte[SmtHash.DEPTH][];
        int s = walk(kh, sib, null);
        Entry e = load(s, kh);
        byte[] value = null;
        if (e != null) {
            if (Arrays.equals(e.keyHash(), kh)) {
                value = store.get(valueId(kh));
                if (value == null) {
                    throw new IllegalStateException("node store: leaf for a key without its value (corrupt store)");
                }
            } else {
                int p = firstDiff(kh, e.keyHash(), s);
                sib[p] = fold(e.keyHash(), e.leafHash(), p + 1);
            }
        }
        return new Proven(value, new StateProof(sib));
    }

    /** Fills sib[0..s) from the branches on the path and the defaults below; returns s, the first non-branch depth. */
    private int walk(byte[] kh, byte[][] sib, Entry[] sibEntries) {
        int s = 0;
        Entry e = load(0, kh);
        while (e != null && !e.isLeaf()) {
            byte[] other = kh.clone();
            other[s >>> 3] ^= (byte) (0x80 >>> (s & 7));
            Entry se = load(s + 1, other);
            if (sibEntries != null) {
                sibEntries[s] = se;
            }
            sib[s] = se == null ? SmtHash.emptyAt(s + 1) : se.hash();
            s++;
            e = load(s, kh);
        }
        for (int d = s; d < SmtHash.DEPTH; d++) {
            sib[d] = SmtHash.emptyAt(d + 1);
        }
        return s;
    }

    private void update(byte[] kh, byte[] value) {
        byte[][] sib = new byte[SmtHash.DEPTH][];
        Entry[] sibEntries = new Entry[SmtHash.DEPTH];
        int s = walk(kh, sib, sibEntries);
        Entry old = load(s, kh);
        byte[] newLeaf = value == null ? null : SmtHash.leaf(kh, value);
        int p = -1;
        if (old != null && !Arrays.equals(old.keyHash(), kh)) {
            if (newLeaf == null) {
                return; // deleting an absent key
            }
            p = firstDiff(kh, old.keyHash(), s);
            sib[p] = fold(old.keyHash(), old.leafHash(), p + 1);
        } else if (old == null && newLeaf == null) {
            return;
        }
        byte[][] h = new byte[SmtHash.DEPTH + 1][];
        h[SmtHash.DEPTH] = newLeaf == null ? SmtHash.emptyAt(SmtHash.DEPTH) : newLeaf;
        for (int d = SmtHash.DEPTH - 1; d >= 0; d--) {
            h[d] = SmtHash.up(kh, d, h[d + 1], sib[d]);
        }
        int branchesBelow; // depths [0, branchesBelow) are branches on the path after this update
        if (newLeaf != null) {
            store.put(valueId(kh), value);
            if (p >= 0) {
                store.delete(nodeId(s, kh));
                for (int d = s; d <= p; d++) {
                    store.put(nodeId(d, kh), branch(h[d]));
                }
                store.put(nodeId(p + 1, old.keyHash()), leaf(sib[p], old.keyHash(), old.leafHash()));
                store.put(nodeId(p + 1, kh), leaf(h[p + 1], kh, newLeaf));
            } else {
                store.put(nodeId(s, kh), leaf(h[s], kh, newLeaf));
            }
            branchesBelow = s;
        } else {
            store.delete(valueId(kh));
            store.delete(nodeId(s, kh));
            branchesBelow = s;
            if (s > 0 && sibEntries[s - 1].isLeaf()) {
                Entry survivor = sibEntries[s - 1];
                int t = s - 1;
                while (t > 0 && sibEntries[t - 1] == null) {
                    t--;
                }
                store.delete(nodeId(s, survivor.keyHash()));
                for (int d = t; d < s; d++) {
                    store.delete(nodeId(d, kh));
                }
                store.put(nodeId(t, kh), leaf(h[t], survivor.keyHash(), survivor.leafHash()));
                branchesBelow = t;
            }
        }
        for (int d = 0; d < branchesBelow; d++) {
            store.put(nodeId(d, kh), branch(h[d]));
        }
        root = h[0];
    }

    /** Hash at {@code depth} of a subtree holding only the given leaf. */
    private static byte[] fold(byte[] kh, byte[] leafHash, int depth) {
        byte[] h = leafHash;
        for (int d = SmtHash.DEPTH - 1; d >= depth; d--) {
            h = SmtHash.up(kh, d, h, SmtHash.emptyAt(d + 1));
        }
        return h;
    }

    private static int firstDiff(byte[] a, byte[] b, int from) {
        for (int d = from; d < SmtHash.DEPTH; d++) {
            if (SmtHash.bit(a, d) != SmtHash.bit(b, d)) {
                return d;
            }
        }
        throw new IllegalStateException("two leaves with one key hash");
    }

    private static byte[] nodeId(int depth, byte[] kh) {
        int n = (depth + 7) / 8;
        byte[] id = new byte[3 + n];
        id[0] = NODE;
        id[1] = (byte) (depth >>> 8);
        id[2] = (byte) depth;
        System.arraycopy(kh, 0, id, 3, n);
        if ((depth & 7) != 0) {
            id[3 + n - 1] &= (byte) (0xff << (8 - (depth & 7)));
        }
        return id;
    }

    private static byte[] valueId(byte[] kh) {
        byte[] id = new byte[1 + kh.length];
        id[0] = VALUE;
        System.arraycopy(kh, 0, id, 1, kh.length);
        return id;
    }

    private static byte[] branch(byte[] hash) {
        byte[] b = new byte[33];
        b[0] = BRANCH;
        System.arraycopy(hash, 0, b, 1, 32);
        return b;
    }

    private static byte[] leaf(byte[] hash, byte[] kh, byte[] leafHash) {
        byte[] b = new byte[97];
        b[0] = LEAF;
        System.arraycopy(hash, 0, b, 1, 32);
        System.arraycopy(kh, 0, b, 33, 32);
        System.arraycopy(leafHash, 0, b, 65, 32);
        return b;
    }

    private Entry load(int depth, byte[] kh) {
        byte[] b = store.get(nodeId(depth, kh));
        if (b == null) {
            return null;
        }
        if (b.length == 33 && b[0] == BRANCH) {
            return new Entry(Arrays.copyOfRange(b, 1, 33), null, null);
        }
        if (b.length == 97 && b[0] == LEAF) {
            return new Entry(
                    Arrays.copyOfRange(b, 1, 33), Arrays.copyOfRange(b, 33, 65), Arrays.copyOfRange(b, 65, 97));
        }
        throw new IllegalStateException("node store: malformed node at depth " + depth + " (" + b.length + " bytes)");
    }
}
