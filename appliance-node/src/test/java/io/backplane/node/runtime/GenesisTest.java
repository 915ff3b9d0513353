package io.backplane.node.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backplane.hsm.bls.Bls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenesisTest {
    @TempDir
    Path dir;

    static ValidatorRecord record(int i) throws Exception {
        byte[] sk = Bls.keyGen(("validator-" + i + "-ikm-of-at-least-32-bytes").getBytes(StandardCharsets.UTF_8));
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        String identity = HexFormat.of().formatHex(g.generateKeyPair().getPublic().getEncoded());
        return new ValidatorRecord("node" + i, "127.0.0.1:" + (7100 + i), "127.0.0.1:" + (7200 + i), identity,
                HexFormat.of().formatHex(Bls.publicKey(sk)), HexFormat.of().formatHex(Bls.provePossession(sk)), 1);
    }

    static List<ValidatorRecord> records(int n) throws Exception {
        List<ValidatorRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(record(i));
        }
        return out;
    }

    @Test
    void aWrittenGenesisReadsBackTheSameAndNamesItsValidators() throws Exception {
        Genesis g = new Genesis("test-chain", 100, records(4), List.of(), 0, Map.of("00".repeat(32), 5L)).validate();
        Path f = dir.resolve("genesis.json");
        g.write(f);
        Genesis back = Genesis.read(f);
        assertEquals(g, back);
        assertArrayEquals(g.hash(), back.hash());
        assertEquals(2, back.indexOf("node2").getAsInt());
        assertEquals(4, back.validatorSet().size());
    }

    @Test
    void aProofOfPossessionOfAnotherKeyIsRefusedNamingTheValidator() throws Exception {
        List<ValidatorRecord> rs = records(4);
        ValidatorRecord v = rs.get(2);
        rs.set(2, new ValidatorRecord(v.id(), v.listen(), v.client(), v.identityPublicKey(), v.blsPublicKey(), rs.get(1).proofOfPossession(), 1));
        var e = assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 10, rs, List.of(), 0, Map.of()).validate());
        assertTrue(e.getMessage().contains("'node2'") && e.getMessage().contains("proof of possession"), e.getMessage());
    }

    @Test
    void duplicateIdsAndReusedKeysAreRefused() throws Exception {
        List<ValidatorRecord> rs = records(2);
        rs.add(rs.get(0));
        var e = assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 10, rs, List.of(), 0, Map.of()).validate());
        assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
        List<ValidatorRecord> rs2 = records(2);
        ValidatorRecord a = rs2.get(0);
        rs2.set(1, new ValidatorRecord("other", a.listen(), a.client(), a.identityPublicKey(), a.blsPublicKey(), a.proofOfPossession(), 1));
        e = assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 10, rs2, List.of(), 0, Map.of()).validate());
        assertTrue(e.getMessage().contains("reuses"), e.getMessage());
    }

    @Test
    void aKeyWrittenInUpperCaseOrWith0xIsTheSameKey() throws Exception {
        List<ValidatorRecord> rs = records(2);
        ValidatorRecord a = rs.get(0);
        rs.add(new ValidatorRecord("copy", a.listen(), a.client(), a.identityPublicKey().toUpperCase(), "0x" + a.blsPublicKey(), a.proofOfPossession(), 1));
        var e = assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 10, rs, List.of(), 0, Map.of()).validate());
        assertTrue(e.getMessage().contains("reuses"), e.getMessage());
        Map<String, Long> twice = new java.util.LinkedHashMap<>();
        twice.put("ab".repeat(32), 1L);
        twice.put("0x" + "AB".repeat(32), 2L);
        assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 10, records(1), List.of(), 0, twice));
        Genesis g = new Genesis("c", 10, records(1), List.of(), 0, Map.of("0x" + "CD".repeat(32), 3L)).validate();
        assertEquals(Map.of("cd".repeat(32), 3L), g.accounts());
    }

    @Test
    void aBadThresholdGovernanceKeyOrAccountIsRefused() throws Exception {
        List<ValidatorRecord> rs = records(1);
        assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 10, rs, List.of("11".repeat(32)), 2, Map.of()).validate());
        assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 10, rs, List.of("11".repeat(31)), 1, Map.of()).validate());
        assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 10, rs, List.of(), 0, Map.of("aa", 1L)).validate());
        assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 0, rs, List.of(), 0, Map.of()).validate());
        assertThrows(IllegalArgumentException.class, () -> new Genesis("", 10, rs, List.of(), 0, Map.of()).validate());
        assertThrows(IllegalArgumentException.class, () -> new Genesis("c", 10, List.of(), List.of(), 0, Map.of()).validate());
    }

    @Test
    void everyTruncationOfTheFileAndAnUnknownFieldGiveAnErrorNamingTheFile() throws Exception {
        Path f = dir.resolve("genesis.json");
        new Genesis("test-chain", 100, records(2), List.of(), 0, Map.of()).write(f);
        byte[] good = Files.readAllBytes(f);
        for (int cut = 0; cut < good.length - 2; cut += 7) {
            Files.write(f, java.util.Arrays.copyOf(good, cut));
            var e = assertThrows(IllegalArgumentException.class, () -> Genesis.read(f), "cut at " + cut);
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
        String text = new String(good, StandardCharsets.UTF_8).replaceFirst("\\{", "{\"surprise\": 1,");
        Files.writeString(f, text);
        var e = assertThrows(IllegalArgumentException.class, () -> Genesis.read(f));
        assertTrue(e.getMessage().contains("surprise"), e.getMessage());
    }

    @Test
    void addressesMustBeHostAndPort() {
        assertThrows(IllegalArgumentException.class, () -> ValidatorRecord.address("localhost", "listen"));
        assertThrows(IllegalArgumentException.class, () -> ValidatorRecord.address("localhost:0", "listen"));
        assertThrows(IllegalArgumentException.class, () -> ValidatorRecord.address("localhost:65536", "listen"));
        assertThrows(IllegalArgumentException.class, () -> ValidatorRecord.address(":80", "listen"));
        assertEquals(7100, ValidatorRecord.address("127.0.0.1:7100", "listen").getPort());
    }
}
