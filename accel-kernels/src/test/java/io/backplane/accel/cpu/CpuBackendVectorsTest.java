package io.backplane.accel.cpu;

import static io.backplane.accel.TestVectors.HEX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.TestVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.junit.jupiter.api.Test;

class CpuBackendVectorsTest {
    private final CpuBackend cpu = new CpuBackend();

    @Test
    void sha256MatchesNistShortAndLongMessages() {
        for (String file : List.of("SHA256ShortMsg.rsp", "SHA256LongMsg.rsp")) {
            List<TestVectors.ShaCase> cases = TestVectors.shavs(file);
            assertThat(cases).as(file).hasSizeGreaterThan(60);
            List<byte[]> digests = cpu.sha256Batch(cases.stream().map(TestVectors.ShaCase::msg).toList());
            for (int i = 0; i < cases.size(); i++) {
                assertThat(digests.get(i)).as("%s case %d (%d bytes)", file, i, cases.get(i).msg().length).isEqualTo(cases.get(i).md());
            }
        }
    }

    @Test
    void merkleRootMatchesRfc6962ReferenceRoots() {
        JsonNode doc = TestVectors.json("backplane/merkle-rfc6962.json");
        assertThat(doc.get("cases").size()).isEqualTo(27);
        for (JsonNode c : doc.get("cases")) {
            List<byte[]> leaves = new ArrayList<>();
            c.get("leaves").forEach(l -> leaves.add(HEX.parseHex(l.asText())));
            assertThat(HEX.formatHex(cpu.merkleRoot(leaves))).as("%d leaves", leaves.size()).isEqualTo(c.get("root").asText());
        }
    }

    @Test
    void merkleRootMatchesAnIndependentRecursiveRfc6962ImplementationOnRandomTrees() {
        long seed = 6962;
        Random rnd = new Random(seed);
        for (int n : new int[]{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 255, 256, 257, 1023, 1025, 5000}) {
            List<byte[]> leaves = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] b = new byte[rnd.nextInt(80)];
                rnd.nextBytes(b);
                leaves.add(b);
            }
            assertThat(cpu.merkleRoot(leaves)).as("n=%d seed=%d", n, seed).isEqualTo(mth(leaves, 0, n));
        }
    }

    @Test
    void sha256AgreesWithBouncyCastleAcrossBlockBoundariesAndLargeMessages() {
        long seed = 256;
        Random rnd = new Random(seed);
        List<byte[]> msgs = new ArrayList<>();
        for (int len : new int[]{0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 3 << 20}) {
            byte[] b = new byte[len];
            rnd.nextBytes(b);
            msgs.add(b);
        }
        List<byte[]> got = cpu.sha256Batch(msgs);
        for (int i = 0; i < msgs.size(); i++) {
            assertThat(got.get(i)).as("len %d seed %d", msgs.get(i).length, seed).isEqualTo(bc(new byte[0], msgs.get(i)));
        }
    }

    @Test
    void merkleRootOfMillionsOfLeavesMatchesTheRecursiveDefinition() {
        List<byte[]> leaves = TestVectors.millionsOfLeaves();
        assertThat(cpu.merkleRoot(leaves)).isEqualTo(mth(leaves, 0, leaves.size()));
    }


    /** RFC 6962 §2.1 as written: recursive, split at the largest power of two below n; Bouncy Castle's SHA-256. */
    static byte[] mth(List<byte[]> d, int from, int to) {
        int n = to - from;
        if (n == 0) {
            return bc(new byte[0], new byte[0]);
        }
        if (n == 1) {
            return bc(new byte[]{0}, d.get(from));
        }
        int k = Integer.highestOneBit(n - 1);
        byte[] l = mth(d, from, from + k);
        byte[] r = mth(d, from + k, to);
        byte[] lr = new byte[64];
        System.arraycopy(l, 0, lr, 0, 32);
        System.arraycopy(r, 0, lr, 32, 32);
        return bc(new byte[]{1}, lr);
    }

    static byte[] bc(byte[] prefix, byte[] msg) {
        SHA256Digest d = new SHA256Digest();
        d.update(prefix, 0, prefix.length);
        d.update(msg, 0, msg.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        return out;
    }
}
