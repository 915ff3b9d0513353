package io.backplane.node.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A compact ("leaf-hoisting", as in Diem's Jellyfish Merkle tree) sparse Merkle tree over 256-bit SHA-256(key) paths.
 * The hash of the set S of keys whose hashes start with a given d-bit prefix (the subtree at depth d) is:
 * EMPTY(d), the per-level default (empty leaf at depth 256: 32 zero bytes; EMPTY(d) = SHA-256(0x01 ‖ EMPTY(d+1) ‖
 * EMPTY(d+1))), when S is empty; the key's leaf hash SHA-256(0x00 ‖ keyHash ‖ SHA-256(value)), whatever d, when S holds
 * one key; SHA-256(0x01 ‖ H(left) ‖ H(right)) when S holds two or more. The root is the hash at depth 0.
 *
 * <p>The store holds a branch entry for every node with two or more keys below it, a leaf entry (leaf hash, key hash,
 * value hash) at the topmost node whose subtree holds a single key, and each value by its key hash. A changed key costs
 * one hash per branch above its leaf, about log2(number of keys), plus one per level down to the first different bit
 * when it splits another key's leaf. Not thread-safe.
 */
public final class SparseMerkleTree {
    private static final byte NODE = 'N';
    private static final byte VALUE = 'V';
    private static final byte BRANCH = 0;
    /** Tag 1 was the leaf entry of the former full-depth tree; refusing it keeps such a store from being misread. */
    private static final byte FULL_TREE_LEAF = 1;
    private static final byte LEAF = 2;

    /** A value read with its proof against {@link #root()}; value is null when the key holds nothing. */
    public record Proven(byte[] value, StateProof proof) {}

    /** A branch (keyHash null) or a leaf; for a leaf, hash is its leaf hash. */
    private record Entry(byte[] hash, byte[] keyHash, byte[] valueHash) {
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
        int t = walk(kh, sib, null);
        byte[][] siblings = Arrays.copyOf(sib, t);
        Entry e = load(t, kh);
        if (e == null) {
            return new Proven(null, StateProof.empty(siblings));
        }
        if (!Arrays.equals(e.keyHash(), kh)) {
            return new Proven(null, StateProof.otherLeaf(siblings, e.keyHash(), e.valueHash()));
        }
        byte[] value = store.get(valueId(kh));
        if (value == null) {
            throw new IllegalStateException("node store: leaf for a key without its value (corrupt store)");
        }
        return new Proven(value, StateProof.inclusion(siblings));
    }

    /**
     * Fills sib[0..s) with the hashes of the siblings of the branches on the key's path (and sibEntries, when given,
     * with their entries: null for an empty sibling); returns s, the depth of the first node on the path that is not a
     * branch (a leaf or an empty subtree).
     */
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
        return s;
    }

    private void update(byte[] kh, byte[] value) {
        byte[][] sib = new byte[SmtHash.DEPTH][];
        Entry[] sibEntries = new Entry[SmtHash.DEPTH];
        int s = walk(kh, sib, sibEntries);
        Entry old = load(s, kh);
        boolean ours = old != null && Arrays.equals(old.keyHash(), kh);
        if (value == null && !ours) {
            return; // deleting an absent key
        }
        byte[][] h = new byte[SmtHash.DEPTH + 1][];
        int from; // the depth where hashing starts: h[from] is known, h[d] for d < from are folded from it
        int branchesBelow; // depths [0, branchesBelow) are branches on the path after this update
        if (value != null) {
            byte[] valueHash = SmtHash.sha256(value);
            byte[] newLeaf = SmtHash.leafOfValueHash(kh, valueHash);
            store.put(valueId(kh), value);
            if (old != null && !ours) {
                // split: both leaves go below the depth p where the two key hashes first differ
                int p = firstDiff(kh, old.keyHash(), s);
                for (int d = s; d < p; d++) {
                    sib[d] = SmtHash.emptyAt(d + 1);
                }
                sib[p] = old.hash();
                from = p + 1;
                store.delete(nodeId(s, kh));
                store.put(nodeId(from, old.keyHash()), leaf(old.keyHash(), old.valueHash(), old.hash()));
                branchesBelow = from;
            } else {
                from = s;
                branchesBelow = s;
            }
            h[from] = newLeaf;
            store.put(nodeId(from, kh), leaf(kh, valueHash, newLeaf));
        } else {
            store.delete(valueId(kh));
            store.delete(nodeId(s, kh));
            from = s;
            h[s] = SmtHash.emptyAt(s);
            branchesBelow = s;
            if (s > 0 && sibEntries[s - 1].isLeaf()) {
                // the sibling is the last key below: it hoists up to the topmost node whose subtree it alone fills
                Entry survivor = sibEntries[s - 1];
                int t = s - 1;
                while (t > 0 && sibEntries[t - 1] == null) {
                    t--;
                }
                store.delete(nodeId(s, survivor.keyHash()));
                for (int d = t; d < s; d++) {
                    store.delete(nodeId(d, kh));
                }
                store.put(nodeId(t, kh), leaf(survivor.keyHash(), survivor.valueHash(), survivor.hash()));
                from = t;
                h[t] = survivor.hash();
                branchesBelow = t;
            }
        }
        for (int d = from - 1; d >= 0; d--) {
            h[d] = SmtHash.up(kh, d, h[d + 1], sib[d]);
        }
        for (int d = 0; d < branchesBelow; d++) {
            store.put(nodeId(d, kh), branch(h[d]));
        }
        root = h[0];
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

    private static byte[] leaf(byte[] kh, byte[] valueHash, byte[] leafHash) {
        byte[] b = new byte[97];
        b[0] = LEAF;
        System.arraycopy(leafHash, 0, b, 1, 32);
        System.arraycopy(kh, 0, b, 33, 32);
        System.arraycopy(valueHash, 0, b, 65, 32);
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
        if (b.length == 97 && b[0] == FULL_TREE_LEAF) {
            throw new IllegalStateException(
                    "node store: leaf at depth " + depth + " has the former full-depth tree's layout (store predates the"
                            + " compact tree; rebuild the state)");
        }
        if (b.length == 97 && b[0] == LEAF) {
            return new Entry(
                    Arrays.copyOfRange(b, 1, 33), Arrays.copyOfRange(b, 33, 65), Arrays.copyOfRange(b, 65, 97));
        }
        throw new IllegalStateException("node store: malformed node at depth " + depth + " (" + b.length + " bytes)");
    }
}
