package io.backplane.node.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SparseMerkleTreeTest {

    /** Naive recursive definition of the root, independent of the tree's store layout. */
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

    private static byte[] ref(int depth, List<byte[][]> leaves, byte[][] defaults) {
        if (leaves.isEmpty()) {
            return defaults[256 - depth];
        }
        if (depth == 256) {
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
    void rootMatchesTheNaiveDefinitionThroughRandomInsertUpdateDeleteSequences() {
        Random rnd = new Random(15);
        for (int round = 0; round < 20; round++) {
            SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
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
                assertThat(tree.apply(batch)).isEqualTo(referenceRoot(model));
                for (int k = 0; k < 40; k++) {
                    // the unproven read agrees with the proven one and with the model, deletes included
                    byte[] expected = model.get("k" + k);
                    assertThat(tree.value(b("k" + k))).isEqualTo(expected).isEqualTo(tree.get(b("k" + k)).value());
                }
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

    @Test
    void everyFlippedByteOfAnEncodedProofFailsToVerifyOrToDecode() {
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        Map<byte[], byte[]> ins = new HashMap<>();
        for (int i = 0; i < 300; i++) ins.put(b("key" + i), b("val" + i));
        byte[] root = tree.apply(ins);
        for (String key : List.of("key7", "absent")) {
            SparseMerkleTree.Proven p = tree.get(b(key));
            byte[] enc = p.proof().encode();
            for (int i = 0; i < enc.length; i++) {
                for (int mask : new int[] {0x01, 0x80, 0xff}) {
                    byte[] bad = enc.clone();
                    bad[i] ^= (byte) mask;
                    try {
                        assertThat(StateProof.verify(root, b(key), p.value(), StateProof.decode(bad)))
                                .as("flip at offset %d", i).isFalse();
                    } catch (StateProof.MalformedProofException e) {
                        assertThat(e.getMessage()).startsWith("state proof");
                    }
                }
            }
            assertThatThrownBy(() -> StateProof.decode(Arrays.copyOf(enc, enc.length - 1)))
                    .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("bitmap");
            assertThatThrownBy(() -> StateProof.decode(new byte[5]))
                    .isInstanceOf(StateProof.MalformedProofException.class).hasMessageContaining("truncated");
        }
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
