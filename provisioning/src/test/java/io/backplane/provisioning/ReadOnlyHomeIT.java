package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.hsm.pkcs11.SoftHsm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only commands leave a home exactly as it was, and the HSM bench leaves nothing in it, on real child JVMs
 * (SoftHSM reads its config once per process, so each command gets its own, as from a shell). Root ignores file
 * modes, so "read-only" is proved by a listing of the home (every path, its inode, size and SHA-256) taken before and
 * after, and, where mount namespaces are allowed, by a read-only bind mount of the home. The one write left is
 * SoftHSM's own, inside its token store: its C_Login rewrites {@code token.object} in place (same size, same inode).
 */
class ReadOnlyHomeIT {
    @TempDir
    Path dir;

    @BeforeAll
    static void needsSoftHsm() {
        assumeTrue(SoftHsm.findLibrary().isPresent(), "SoftHSM2 is not installed (scripts/install-deps installs softhsm2)");
    }

    private ChildJvm jvm(Path outside) {
        return ChildJvm.in(dir).flags("-Djava.io.tmpdir=" + outside);
    }

    private List<String> javaCommand(Path outside) {
        return jvm(outside).command(Main.class.getName());
    }

    /** A plain process (the {@code unshare} shell lines), with the same output files and environment rules. */
    private ChildJvm.Result run(List<String> cmd, Map<String, String> env) throws Exception {
        return ChildJvm.in(dir).env(env).runCommand(cmd);
    }

    private ChildJvm.Result cli(Path outside, String... args) throws Exception {
        Files.createDirectories(outside);
        return jvm(outside).run(Main.class.getName(), args);
    }

    /** Every path under {@code home} with its inode, and for files their size and SHA-256 (directory times left out). */
    static Map<String, String> listing(Path home) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(home)) {
            for (Path p : s.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                String rel = home.relativize(p).toString();
                // SoftHSM itself rewrites its token.object in place on every C_Login (it clears the "user PIN count
                // low" flag), so its bytes are left out; on a read-only mount that write fails quietly (tested below).
                boolean softHsmLoginWrite = rel.matches("hsm/tokens/[^/]+/token\\.object");
                String what = a.isDirectory() ? "dir" : a.size() + (softHsmLoginWrite ? "" : " " + sha256(Files.readAllBytes(p)));
                m.put(rel, a.fileKey() + " " + what);
            }
        }
        return m;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Path> contents(Path d) throws IOException {
        if (!Files.exists(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(p -> !p.equals(d)).toList();
        }
    }

    private Path homeWithKeys(Path outside) throws Exception {
        Path home = dir.resolve("home");
        for (String[] step : List.of(new String[] {"init-token"}, new String[] {"gen-identity"}, new String[] {"gen-bls", "--json"})) {
            List<String> args = new ArrayList<>(List.of("keys"));
            args.addAll(List.of(step));
            args.addAll(List.of("--home", home.toString()));
            ChildJvm.Result c = cli(outside, args.toArray(String[]::new));
            assertThat(c.code()).as(c.err()).isZero();
        }
        return home;
    }

    @Test
    void keysListAndAuditVerifyLeaveTheHomeByteForByteAsItWas() throws Exception {
        Path outside = dir.resolve("outside");
        Path home = homeWithKeys(outside);
        Map<String, String> before = listing(home);

        ChildJvm.Result list = cli(outside, "keys", "list", "--json", "--home", home.toString());
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(JsonOutput.MAPPER.readTree(list.out()).get("keys")).hasSize(2);
        ChildJvm.Result verify = cli(outside, "keys", "audit-verify", "--json", "--home", home.toString());
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(JsonOutput.MAPPER.readTree(verify.out()).get("ok").asBoolean()).isTrue();

        assertThat(listing(home)).as("no file of the home changed, none appeared").isEqualTo(before);
        assertThat(contents(outside)).as("nothing outside the home").isEmpty();
    }

    @Test
    void keysListOnAHomeWithoutATokenNamesTheFirstStepAndCreatesNothing() throws Exception {
        Path home = Files.createDirectories(dir.resolve("bare-home"));
        Files.writeString(home.resolve("config.yaml"), "node:\n  id: node0\n");
        Map<String, String> before = listing(home);
        for (String cmd : List.of("list", "audit-verify")) {
            ChildJvm.Result c = cli(dir.resolve("outside"), "keys", cmd, "--json", "--home", home.toString());
            assertThat(c.code()).as(c.out() + c.err()).isEqualTo(ExitCodes.FAILURE);
            JsonNode doc = JsonOutput.MAPPER.readTree(c.out());
            assertThat(doc.at("/error/message").asText()).contains("init-token");
        }
        assertThat(listing(home)).isEqualTo(before);
    }

    @Test
    void keysListAndAuditVerifyWorkOnAReadOnlyMount() throws Exception {
        Path outside = dir.resolve("outside");
        Path home = homeWithKeys(outside);
        Map<String, String> before = listing(home);
        // A private mount namespace where the home is a read-only bind mount (needs root or user namespaces).
        String h = home.toString();
        ChildJvm.Result probe = run(List.of("unshare", "-m", "sh", "-c", "mount --bind '" + h + "' '" + h + "' && mount -o remount,bind,ro '" + h + "' && ! touch '"
                + h + "/probe' 2>/dev/null"), Map.of());
        assumeTrue(probe.code() == 0, "no read-only bind mount here (unshare -m and mount need root): " + probe.err());
        for (String cmd : List.of("list", "audit-verify")) {
            StringBuilder line = new StringBuilder("mount --bind '" + h + "' '" + h + "' && mount -o remount,bind,ro '" + h + "' && exec");
            List<String> java = javaCommand(outside);
            java.addAll(List.of("keys", cmd, "--json", "--home", h));
            java.forEach(a -> line.append(" '").append(a).append("'"));
            ChildJvm.Result c = run(List.of("unshare", "-m", "sh", "-c", line.toString()), Map.of());
            assertThat(c.code()).as(cmd + ": " + c.out() + c.err()).isZero();
            assertThat(JsonOutput.MAPPER.readTree(c.out()).isObject()).isTrue();
        }
        assertThat(listing(home)).isEqualTo(before);
    }

    @Test
    void hsmBenchHonoursMinTimeAndLeavesNoTokenInTheHomeNorOutsideIt() throws Exception {
        Path outside = dir.resolve("outside");
        Path home = dir.resolve("bench-home");
        ChildJvm.Result c = cli(outside, "bench", "--ops", "hsm-ecdsa,hsm-bls-sign", "--min-time-ms", "50", "--json", "--home", home.toString());
        assertThat(c.code()).as(c.err()).isZero();
        JsonNode ops = JsonOutput.MAPPER.readTree(c.out()).get("ops");
        assertThat(ops).hasSize(2);
        assertThat(c.err()).contains("hsm-ecdsa, 50 ms per path").contains("hsm-bls-sign, 50 ms per path");
        // Only the documented tmp/ directory, empty once the process's scratch directory is gone.
        assertThat(contents(home)).containsExactly(home.resolve("tmp"));
        assertThat(contents(outside)).as("nothing outside the home").isEmpty();
    }

    @Test
    void hsmBenchWithoutHomePutsNoTokenUnderTheDefaultHome() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path user = Files.createDirectories(dir.resolve("user"));
        ChildJvm.Result c = jvm(outside).env(Map.of("HOME", user.toString())).run(Main.class.getName(), "bench", "--ops", "hsm-ecdsa", "--min-time-ms", "0");
        assertThat(c.code()).as(c.err()).isZero();
        Path node0 = user.resolve(".backplane").resolve("node0");
        assertThat(contents(user)).containsExactlyInAnyOrder(user.resolve(".backplane"), node0, node0.resolve("tmp"));
        assertThat(contents(outside)).isEmpty();
    }
}
