package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backplane.hsm.pkcs11.SoftHsm;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10 as the operator tried it: a home whose BLS key signed votes for rounds 1..8, then one change at a time to
 * {@code hsm/guard/guard.log} (a flipped bit at a sample of offsets, truncations, emptied, deleted, an older copy), and
 * the real {@code keys sign} in a child JVM asked to sign an already-signed round with other bytes: it must never
 * release a signature (exit 1 with the file named, or 3), and {@code keys audit-verify} stays clean. ChildJvm.Result JVMs because
 * SoftHSM reads its config once per process and {@link KeysCommandIT} owns this JVM's.
 */
class KeysGuardChildIT {
    @TempDir
    static Path dir;

    static ChildJvm.Result child(Class<?> main, String... args) throws Exception {
        return child(Map.of(), main, args);
    }

    static ChildJvm.Result child(Map<String, String> env, Class<?> main, String... args) throws Exception {
        Files.createDirectories(dir.resolve("jna"));
        return ChildJvm.in(dir).flags("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + dir.resolve("jna")).env(env)
                .run(main.getName(), args);
    }

    static String msg(String s) {
        return HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void theRealKeysSignNeverReleasesAConflictingSignatureAfterTheGuardLogIsDamagedOrRolledBack() throws Exception {
        assumeTrue(SoftHsm.findLibrary().isPresent(), "SoftHSM2 is not installed (scripts/install-deps installs softhsm2)");
        Path home = dir.resolve("home");
        String h = home.toString();
        List<String> setup = new ArrayList<>(List.of("keys", "init-token", "--home", h, "--;", "keys", "gen-identity", "--home", h, "--;",
                "keys", "gen-bls", "--home", h, "--json"));
        ChildJvm.Result s = child(KeysScriptChild.class, setup.toArray(String[]::new));
        assertThat(s.out()).as(s.err()).doesNotContain("EXIT 1");
        String id = s.out().replaceAll("(?s).*\"id\":\"(bls-[0-9a-f]{16})\".*", "$1");
        assertThat(id).matches("bls-[0-9a-f]{16}");
        Path log = home.resolve("hsm").resolve("guard").resolve("guard.log");
        List<String> signs = new ArrayList<>();
        byte[] afterRound3 = null;
        for (int r = 1; r <= 8; r++) {
            signs.addAll(List.of("keys", "sign", "--home", h, "--key", id, "--epoch", "1", "--round", Integer.toString(r), "--kind", "vote",
                    "--msg", msg("vote " + r), "--;"));
            if (r == 3) {
                ChildJvm.Result c = child(KeysScriptChild.class, signs.toArray(String[]::new));
                assertThat(c.out()).as(c.err()).doesNotContain("EXIT 1").doesNotContain("EXIT 3");
                afterRound3 = Files.readAllBytes(log);
                signs.clear();
            }
        }
        ChildJvm.Result c = child(KeysScriptChild.class, signs.toArray(String[]::new));
        assertThat(c.out()).as(c.err()).doesNotContain("EXIT 1").doesNotContain("EXIT 3");
        byte[] good = Files.readAllBytes(log);
        // Record starts, to aim flips at a length field, a CRC, and payloads early and late.
        List<Integer> starts = new ArrayList<>();
        for (int pos = 8; pos < good.length; pos += 8 + ByteBuffer.wrap(good).getInt(pos)) {
            starts.add(pos);
        }
        assertThat(starts).hasSize(8);
        int lastStart = starts.get(7);
        byte[] older = afterRound3;
        Map<String, UnaryOperator<byte[]>> changes = new LinkedHashMap<>();
        changes.put("bit 3 of the last record's length", b -> flip(b, lastStart + 2, 3));
        changes.put("bit 0 of the last record's CRC", b -> flip(b, lastStart + 7, 0));
        changes.put("a bit in the first record's payload", b -> flip(b, starts.get(0) + 20, 5));
        changes.put("a bit in the fifth record's payload", b -> flip(b, starts.get(4) + 60, 1));
        changes.put("truncated to half", b -> Arrays.copyOf(b, b.length / 2));
        changes.put("all but 40 bytes", b -> Arrays.copyOf(b, b.length - 40));
        changes.put("emptied", b -> new byte[0]);
        changes.put("replaced by the copy taken after round 3", b -> older.clone());
        changes.put("deleted", b -> null);
        int[] rounds = {2, 5, 8};
        int i = 0;
        for (Map.Entry<String, UnaryOperator<byte[]>> e : changes.entrySet()) {
            byte[] changed = e.getValue().apply(good.clone());
            if (changed == null) {
                Files.delete(log);
            } else {
                Files.write(log, changed);
            }
            int round = rounds[i++ % rounds.length];
            ChildJvm.Result sign = child(Main.class, "keys", "sign", "--home", h, "--key", id, "--epoch", "1", "--round", Integer.toString(round),
                    "--kind", "vote", "--msg", msg("conflicting " + round), "--json");
            assertThat(sign.code()).as(e.getKey() + ": " + sign.out() + sign.err()).isIn(ExitCodes.FAILURE, ExitCodes.REFUSED);
            assertThat(sign.out()).as(e.getKey()).doesNotContain("\"signature\"");
            if (sign.code() == ExitCodes.FAILURE) {
                assertThat(sign.err().lines().filter(l -> l.startsWith("backplane keys sign: "))).as(e.getKey() + ": " + sign.err())
                        .singleElement().asString().contains(log.toString());
            }
            Files.write(log, good);
        }
        ChildJvm.Result verify = child(Main.class, "keys", "audit-verify", "--home", h, "--json");
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("\"ok\":true");
    }

    /** Also found in issue #10: a too-short PIN used to leave a half-made token that every later init-token tripped on. */
    @Test
    void initTokenWithATooShortPinSaysTheLimitAndLeavesNothingBehind() throws Exception {
        assumeTrue(SoftHsm.findLibrary().isPresent(), "SoftHSM2 is not installed (scripts/install-deps installs softhsm2)");
        Path home = dir.resolve("short-pin");
        for (Map<String, String> env : List.of(Map.of("BACKPLANE_HSM_PIN", "1"), Map.of("BACKPLANE_HSM_SO_PIN", "12"))) {
            ChildJvm.Result bad = child(env, Main.class, "keys", "init-token", "--home", home.toString());
            assertThat(bad.code()).as(bad.err()).isEqualTo(ExitCodes.FAILURE);
            assertThat(bad.err().strip()).as(env.toString()).contains("SoftHSM2 accepts 4 to 255 bytes").contains("nothing was created")
                    .doesNotContain("\n");
            assertThat(home.resolve("hsm").resolve("pin")).doesNotExist();
            try (var tokens = Files.list(home.resolve("hsm").resolve("tokens"))) {
                assertThat(tokens.toList()).as("no half-made token").isEmpty();
            }
        }
        ChildJvm.Result good = child(Main.class, "keys", "init-token", "--home", home.toString(), "--json");
        assertThat(good.code()).as(good.err()).isZero();
        assertThat(good.out()).contains("\"created\":true");
    }

    static byte[] flip(byte[] b, int offset, int bit) {
        b[offset] ^= (byte) (1 << bit);
        return b;
    }
}
