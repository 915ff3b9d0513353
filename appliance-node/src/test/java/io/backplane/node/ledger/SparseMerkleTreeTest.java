package io.backplane.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SparseMerkleTreeTest {

    /**
     * Naive recursive definition of the compact root, independent of the tree's store layout: an empty subtree hashes
     * to its per-level default, a subtree holding one key to that key's leaf hash (at any depth), any other to the
     * inner hash of its two halves.
     */
    private static byte[] referenceRoot(Map<String, byte[]> state) {
        byte[][] defaults = new byte[257][];
        defaults[0] = new byte[32];
        for (int h = 1; h <= 256; h++) {
            defaults[h] = SmtHash.inner(defaults[h - 1], defaults[h - 1]);
        }
        List<byte[][]> leaves = new ArrayList<>();
        state.forEach((k, v) -> {
            byte[] kh = SmtHash.sha256(k.getBytes());
            leaves.add(new byte[][] {kh, SmtHash.leaf(kh, v)});
        });
        return ref(0, leaves, defaults);
    }

    /** How many nodes have two or more keys below them. */
    private static long referenceBranches(Map<String, byte[]> state) {
        List<byte[]> hashes = new ArrayList<>();
        state.keySet().forEach(k -> hashes.add(SmtHash.sha256(k.getBytes())));
        return branches(0, hashes);
    }

    private static long branches(int depth, List<byte[]> hashes) {
        if (hashes.size() < 2) {
            return 0;
        }
        List<byte[]> left = new ArrayList<>();
        List<byte[]> right = new ArrayList<>();
        for (byte[] h : hashes) {
            (((h[depth / 8] >> (7 - depth % 8)) & 1) == 0 ? left : right).add(h);
        }
        return 1 + branches(depth + 1, left) + branches(depth + 1, right);
    }

    private static byte[] ref(int depth, List<byte[][]> leaves, byte[][] defaults) {
        if (leaves.isEmpty()) {
            return defaults[256 - depth];
        }
        if (leaves.size() == 1) {
            return leaves.get(0)[1];
        }
        List<byte[][]> left = new ArrayList<>();
        List<byte[][]> right = new ArrayList<>();
        for (byte[][] l : leaves) {
            (((l[0][depth / 8] >> (7 - depth % 8)) & 1) == 0 ? left : right).add(l);
        }
        return SmtHash.inner(ref(depth + 1, left, defaults), ref(depth + 1, right, defaults));
    }

    private static byte[] b(String s) {
        return s.getBytes();
    }

    @Test
    void rootMatchesTheNaiveDefinitionThroughRandomInsertUpdateDeleteSequences() throws Exception {
        Random rnd = new Random(15);
        for (int round = 0; round < 20; round++) {
            InMemoryNodeStore store = new InMemoryNodeStore();
            SparseMerkleTree tree = new SparseMerkleTree(store);
            Map<String, byte[]> model = new TreeMap<>();
            for (int step = 0; step < 30; step++) {
                Map<byte[], byte[]> batch = new HashMap<>();
                Map<String, byte[]> seen = new HashMap<>();
                for (int i = 0; i < 1 + rnd.nextInt(5); i++) {
                    String k = "k" + rnd.nextInt(40);
                    if (seen.containsKey(k)) continue;
                    byte[] v = rnd.nextInt(3) == 0 ? null : b("v" + rnd.nextInt());
                    seen.put(k, v);
                    batch.put(b(k), v);
                    if (v == null) model.remove(k); else model.put(k, v);
                }
                byte[] root = tree.apply(batch);
                assertThat(root).isEqualTo(referenceRoot(model));
                // compact layout: a value and a leaf per key, a branch per node with two or more keys below, no more
                assertThat(store.size()).isEqualTo(2L * model.size() + referenceBranches(model));
                for (int k = 0; k < 40; k++) {
                    // the unproven read agrees with the proven one and with the model, deletes included
                    byte[] expected = model.get("k" + k);
                    SparseMerkleTree.Proven p = tree.get(b("k" + k));
                    assertThat(tree.value(b("k" + k))).isEqualTo(expected).isEqualTo(p.value());
                    assertThat(StateProof.verify(root, b("k" + k), expected, StateProof.decode(p.proof().encode())))
                            .isTrue();
                }
                // a tree reopened on the same store has the same root
                assertThat(new SparseMerkleTree(store).root()).isEqualTo(root);
            }
        }
    }

    @Test
    void deletingEveryKeyReturnsTheEmptyRootAndAnEmptyStore() {
        InMemoryNodeStore store = new InMemoryNodeStore();
        SparseMerkleTree tree = new SparseMerkleTree(store);
        Map<byte[], byte[]> ins = new HashMap<>();
        Map<byte[], byte[]> del = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            ins.put(b("key" + i), b("val" + i));
            del.put(b("key" + i), null);
        }
        assertThat(tree.apply(ins)).isNotEqualTo(SparseMerkleTree.emptyRoot());
        assertThat(tree.apply(del)).isEqualTo(SparseMerkleTree.emptyRoot());
        assertThat(store.size()).isZero();
    }

    @Test
    void inclusionAndNonInclusionProofsVerifyAndSurviveEncoding() throws Exception {
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        Map<byte[], byte[]> ins = new HashMap<>();
        for (int i = 0; i < 50; i++) ins.put(b("key" + i), b("val" + i));
        byte[] root = tree.apply(ins);
        for (int i = 0; i < 60; i++) {
            SparseMerkleTree.Proven p = tree.get(b("key" + i));
            StateProof decoded = StateProof.decode(p.proof().encode());
            byte[] expected = i < 50 ? b("val" + i) : null;
            assertThat(p.value()).isEqualTo(expected);
            assertThat(StateProof.verify(root, b("key" + i), expected, decoded)).isTrue();
            assertThat(StateProof.verify(root, b("key" + i), b("other"), decoded)).isFalse();
            if (i < 50) assertThat(StateProof.verify(root, b("key" + i), null, decoded)).isFalse();
        }
    }

    @Test
    void aProofForOneKeyDoesNotVerifyForAnother() {
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        byte[] root = tree.apply(Map.of(b("a"), b("1"), b("b"), b("2")));
        StateProof pa = tree.get(b("a")).proof();
        assertThat(StateProof.verify(root, b("b"), b("1"), pa)).isFalse();
        assertThat(StateProof.verify(root, b("b"), b("2"), pa)).isFalse();
    }

    @Test
    void aProofAgainstAnOldRootFailsAfterAnUpdate() {
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        byte[] old = tree.apply(Map.of(b("a"), b("1"), b("b"), b("2")));
        StateProof oldProof = tree.get(b("a")).proof();
        byte[] now = tree.apply(Map.of(b("b"), b("3")));
        assertThat(StateProof.verify(old, b("a"), b("1"), oldProof)).isTrue();
        assertThat(StateProof.verify(now, b("a"), b("1"), oldProof)).isFalse();
        assertThat(StateProof.verify(now, b("a"), b("1"), tree.get(b("a")).proof())).isTrue();
    }

    /** The first absent key "absent-N" whose proof ends at the given kind of terminal. */
    private static String absentWith(SparseMerkleTree tree, StateProof.Kind kind) {
        for (int n = 0; ; n++) {
            String key = "absent-" + n;
            if (tree.get(b(key)).proof().kind() == kind) {
                return key;
            }
        }
    }

    @Test
    void everyChangedByteOfAnEncodedProofFailsToVerifyOrToDecode() {
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        Map<byte[], byte[]> ins = new HashMap<>();
        for (int i = 0; i < 300; i++) ins.put(b("key" + i), b("val" + i));
        byte[] root = tree.apply(ins);
        String empty = absentWith(tree, StateProof.Kind.EMPTY);
        String other = absentWith(tree, StateProof.Kind.OTHER_LEAF);
        for (String key : List.of("key7", empty, other)) {
            SparseMerkleTree.Proven p = tree.get(b(key));
            assertThat(p.proof().kind())
                    .isEqualTo(key.equals("key7") ? StateProof.Kind.LEAF : key.equals(empty) ? StateProof.Kind.EMPTY
                            : StateProof.Kind.OTHER_LEAF);
            byte[] enc = p.proof().encode();
            assertThat(StateProof.verify(root, b(key), p.value(), p.proof())).isTrue();
            for (int i = 0; i < enc.length; i++) {
                for (int delta = 1; delta < 256; delta++) {
                    byte[] bad = enc.clone();
                    bad[i] = (byte) (bad[i] + delta);
                    try {
                        assertThat(StateProof.verify(root, b(key), p.value(), StateProof.decode(bad)))
                                .as("%s: byte %d + %d", key, i, delta).isFalse();
                    } catch (StateProof.MalformedProofException e) {
                        assertThat(e.getMessage()).startsWith("state proof");
                    }
                }
            }
            assertThatThrownBy(() -> StateProof.decode(Arrays.copyOf(enc, enc.length - 1)))
                    .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("bitmap");
            assertThatThrownBy(() -> StateProof.decode(Arrays.copyOf(enc, enc.length + 1)))
                    .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("bitmap");
        }
    }

    @Test
    void malformedProofBytesAreRefusedWithTheirOffset() {
        assertThatThrownBy(() -> StateProof.decode(null))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> StateProof.decode(new byte[3]))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> StateProof.decode(new byte[] {0x01, 0, 0, 1}))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("version")
                .hasMessageContaining("offset 0");
        assertThatThrownBy(() -> StateProof.decode(new byte[] {0x02, 1, 1, 1}))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("depth 257 at offset 1");
        assertThatThrownBy(() -> StateProof.decode(new byte[] {0x02, 0, 0, 3}))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("kind 3 at offset 3");
        assertThatThrownBy(() -> StateProof.decode(new byte[] {0x02, 0, 9, 1, 0}))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("truncated")
                .hasMessageContaining("offset 6");
        // depth 3: only the top three bits of the one bitmap byte may be set
        assertThatThrownBy(() -> StateProof.decode(new byte[] {0x02, 0, 3, 1, 0x10}))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("past depth 3")
                .hasMessageContaining("offset 4");
        // a sibling announced by the bitmap must not be the empty-subtree hash
        byte[] withEmpty = new byte[5 + 32];
        withEmpty[0] = 0x02;
        withEmpty[2] = 1;
        withEmpty[3] = 1;
        withEmpty[4] = (byte) 0x80;
        System.arraycopy(SmtHash.emptyAt(1), 0, withEmpty, 5, 32);
        assertThatThrownBy(() -> StateProof.decode(withEmpty))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("not canonical")
                .hasMessageContaining("offset 5");
        // the sibling at the terminal depth is never empty: an empty terminal at depth 2 under an empty sibling is
        // the empty subtree at depth 1 said one level too deep
        byte[] tooDeep = new byte[5 + 32];
        tooDeep[0] = 0x02;
        tooDeep[2] = 2;
        tooDeep[3] = 1;
        tooDeep[4] = (byte) 0x80;
        System.arraycopy(SmtHash.sha256(b("a branch")), 0, tooDeep, 5, 32);
        assertThatThrownBy(() -> StateProof.decode(tooDeep))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("too deep")
                .hasMessageContaining("offset 4");
        tooDeep[4] = (byte) 0xc0;
        assertThatThrownBy(() -> StateProof.decode(tooDeep))
                .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("bitmap");
        tooDeep[4] = (byte) 0x40;
        assertThat(catchThrowable(() -> StateProof.decode(tooDeep))).isNull();
    }

    @Test
    void randomBytesAreRefusedWithTheCheckedExceptionOnly() {
        Random rnd = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[rnd.nextInt(120)];
            rnd.nextBytes(junk);
            if (junk.length > 0 && rnd.nextBoolean()) junk[0] = StateProof.VERSION;
            if (junk.length > 2 && rnd.nextBoolean()) junk[1] = 0;
            if (junk.length > 3 && rnd.nextBoolean()) junk[3] = (byte) rnd.nextInt(3);
            try {
                StateProof p = StateProof.decode(junk);
                assertThat(p.encode()).as("a decoded proof re-encodes to its bytes").isEqualTo(junk);
            } catch (StateProof.MalformedProofException e) {
                assertThat(e.getMessage()).startsWith("state proof");
            }
        }
    }

    @Test
    void aSingleKeyIsItsLeafAtTheRootAndTwoKeysJoinRightBelowTheirFirstDifferentBit() throws Exception {
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        byte[] ka = SmtHash.sha256(b("a"));
        byte[] root = tree.apply(Map.of(b("a"), b("1")));
        assertThat(root).isEqualTo(SmtHash.leaf(ka, b("1")));
        StateProof pa = tree.get(b("a")).proof();
        assertThat(pa.depth()).isZero();
        assertThat(pa.encode()).hasSize(StateProof.HEADER_BYTES);
        StateProof absent = tree.get(b("b")).proof();
        assertThat(absent.kind()).isEqualTo(StateProof.Kind.OTHER_LEAF);
        assertThat(StateProof.verify(root, b("b"), null, StateProof.decode(absent.encode()))).isTrue();
        assertThat(StateProof.verify(root, b("a"), null, absent)).isFalse();

        // a second key: the leaves sit one level below their first different bit, the defaults above fold in
        String second = null;
        for (int n = 0; second == null; n++) {
            if (SmtHash.bit(SmtHash.sha256(b("k" + n)), 0) == SmtHash.bit(ka, 0)) second = "k" + n;
        }
        byte[] kb = SmtHash.sha256(b(second));
        root = tree.apply(Map.of(b(second), b("2")));
        int p = 0;
        while (SmtHash.bit(ka, p) == SmtHash.bit(kb, p)) p++;
        byte[] h = SmtHash.up(ka, p, SmtHash.leaf(ka, b("1")), SmtHash.leaf(kb, b("2")));
        for (int d = p - 1; d >= 0; d--) h = SmtHash.up(ka, d, h, SmtHash.emptyAt(d + 1));
        assertThat(root).isEqualTo(h);
        assertThat(tree.get(b("a")).proof().depth()).isEqualTo(p + 1);
        // deleting one hoists the other back to the root
        assertThat(tree.apply(nullValue(second))).isEqualTo(SmtHash.leaf(ka, b("1")));
        assertThat(tree.get(b("a")).proof().depth()).isZero();
    }

    private static Map<byte[], byte[]> nullValue(String key) {
        Map<byte[], byte[]> m = new HashMap<>();
        m.put(b(key), null);
        return m;
    }

    @Test
    void aNonInclusionProofThatNamesThePresentKeyAsTheOtherLeafIsRefused() throws Exception {
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        Map<byte[], byte[]> ins = new HashMap<>();
        for (int i = 0; i < 50; i++) ins.put(b("key" + i), b("val" + i));
        byte[] root = tree.apply(ins);
        byte[] enc = tree.get(b("key3")).proof().encode();
        assertThat(StateProof.verify(root, b("key3"), b("val3"), StateProof.decode(enc))).isTrue();
        // the same siblings with the key's own leaf presented as "another key's": it folds to the root, but lies
        byte[] forged = Arrays.copyOf(enc, enc.length + 64);
        forged[3] = 2;
        System.arraycopy(SmtHash.sha256(b("key3")), 0, forged, enc.length, 32);
        System.arraycopy(SmtHash.sha256(b("val3")), 0, forged, enc.length + 32, 32);
        assertThat(StateProof.verify(root, b("key3"), null, StateProof.decode(forged))).isFalse();
    }

    @Test
    void anOtherLeafOutsideTheKeysSubtreeIsRefusedEvenWhenItFoldsToTheRoot() {
        // a root built by hand (no honest tree has it): key x's path, depth 1, with a leaf whose first bit differs
        byte[] kx = SmtHash.sha256(b("x"));
        String y = null;
        for (int n = 0; y == null; n++) {
            if (SmtHash.bit(SmtHash.sha256(b("y" + n)), 0) != SmtHash.bit(kx, 0)) y = "y" + n;
        }
        byte[] ky = SmtHash.sha256(b(y));
        byte[] vy = SmtHash.sha256(b("v"));
        byte[] sibling = SmtHash.sha256(b("some subtree"));
        byte[] root = SmtHash.up(kx, 0, SmtHash.leafOfValueHash(ky, vy), sibling);
        StateProof forged = StateProof.otherLeaf(new byte[][] {sibling}, ky, vy);
        assertThat(StateProof.verify(root, b("x"), null, forged)).isFalse();
        // the same shape with a leaf that does share the first bit verifies
        String z = null;
        for (int n = 0; z == null; n++) {
            byte[] kz = SmtHash.sha256(b("z" + n));
            if (SmtHash.bit(kz, 0) == SmtHash.bit(kx, 0)) z = "z" + n;
        }
        byte[] kz = SmtHash.sha256(b(z));
        byte[] rootZ = SmtHash.up(kx, 0, SmtHash.leafOfValueHash(kz, vy), sibling);
        assertThat(StateProof.verify(rootZ, b("x"), null, StateProof.otherLeaf(new byte[][] {sibling}, kz, vy)))
                .isTrue();
    }

    @Test
    void aStoreInTheFormerFullDepthLayoutIsRefused() {
        InMemoryNodeStore store = new InMemoryNodeStore();
        byte[] oldLeaf = new byte[97];
        oldLeaf[0] = 1;
        store.put(new byte[] {'N', 0, 0}, oldLeaf);
        assertThatThrownBy(() -> new SparseMerkleTree(store))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("former full-depth");
    }

    @Test
    void aBatchNamingOneKeyTwiceIsRefusedBeforeAnythingChanges() {
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        Map<byte[], byte[]> batch = new HashMap<>();
        batch.put(b("x"), b("1"));
        batch.put(b("x"), b("2"));
        assertThatThrownBy(() -> tree.apply(batch)).isInstanceOf(IllegalArgumentException.class);
        assertThat(tree.root()).isEqualTo(SparseMerkleTree.emptyRoot());
    }
}
