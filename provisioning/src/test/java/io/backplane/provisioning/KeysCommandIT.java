package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.hsm.pkcs11.SoftHsm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code backplane keys ...} end to end through {@link Main#run} on a real SoftHSM2 token under a node home.
 * SoftHSM reads its config once per process, so every in-process test of this JVM uses this one home.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeysCommandIT {
    /** The project's BLS verifier (the accelerator's CPU reference). */
    private static final io.backplane.accel.bls.BlsCpu BLS_CPU = new io.backplane.accel.bls.BlsCpu();

    static final Path HOME = Path.of("target", "keys-cli-home-" + ProcessHandle.current().pid()).toAbsolutePath();
    static String blsId;
    static String firstSignature;

    static InProcessCli.Result keys(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "keys";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--home";
        all[args.length + 2] = HOME.toString();
        return InProcessCli.run(all);
    }

    static JsonNode json(InProcessCli.Result r) throws Exception {
        return JsonOutput.MAPPER.readTree(r.out());
    }

    @BeforeAll
    static void needsSoftHsm() {
        assumeTrue(SoftHsm.findLibrary().isPresent(), "SoftHSM2 is not installed (scripts/install-deps installs softhsm2)");
        assumeTrue(System.getenv("BACKPLANE_HSM_PIN") == null, "BACKPLANE_HSM_PIN is set in this environment; the test uses the PIN file");
    }

    @Test
    @Order(1)
    void initTokenCreatesTheTokenAndAPrivatePinFileAndIsIdempotent() throws Exception {
        InProcessCli.Result r = keys("init-token", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode doc = json(r);
        assertThat(doc.get("created").asBoolean()).isTrue();
        assertThat(doc.get("kekCreated").asBoolean()).isTrue();
        Path pin = HOME.resolve("hsm").resolve("pin");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pin))).isEqualTo("rw-------");
        assertThat(doc.get("softhsmConf").asText()).startsWith(HOME.toString());
        assertThat(r.out() + r.err()).doesNotContain(Files.readString(pin).strip());

        InProcessCli.Result again = keys("init-token", "--json");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(json(again).get("created").asBoolean()).isFalse();
        assertThat(json(again).get("kekCreated").asBoolean()).isFalse();
    }

    @Test
    @Order(2)
    void genIdentityGenBlsAndList() throws Exception {
        assertThat(keys("gen-identity", "--json").code()).isZero();
        InProcessCli.Result r = keys("gen-bls", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode doc = json(r);
        assertThat(doc.fieldNames()).toIterable().containsExactly("id", "publicKey");
        blsId = doc.get("id").asText();
        assertThat(doc.get("publicKey").asText()).matches("[0-9a-f]{96}");

        JsonNode list = json(keys("list", "--json"));
        assertThat(list.get("keys")).extracting(k -> k.get("id").asText()).containsExactly("identity-node0", blsId);
        assertThat(list.get("keys")).extracting(k -> k.get("type").asText()).containsExactly("ec-p256", "bls12-381");
        assertThat(list.get("keys").get(1).get("publicKey").asText()).isEqualTo(doc.get("publicKey").asText());
    }

    @Test
    @Order(3)
    void signGoesThroughTheGuardAndARefusalExits3WithTheWatermark() throws Exception {
        String msg = "00112233445566778899aabbccddeeff";
        InProcessCli.Result r = keys("sign", "--key", blsId, "--epoch", "4", "--round", "7", "--kind", "vote", "--msg", msg, "--json");
        assertThat(r.code()).as(r.err()).isZero();
        firstSignature = json(r).get("signature").asText();
        byte[] pk = HexFormat.of().parseHex(json(keys("list", "--json")).get("keys").get(1).get("publicKey").asText());
        assertThat(BLS_CPU.verify(pk, HexFormat.of().parseHex(msg), HexFormat.of().parseHex(firstSignature))).isTrue();

        InProcessCli.Result same = keys("sign", "--key", blsId, "--epoch", "4", "--round", "7", "--kind", "vote", "--msg", msg, "--json");
        assertThat(same.code()).isZero();
        assertThat(json(same).get("signature").asText()).isEqualTo(firstSignature);
        assertThat(json(same).get("repeat").asBoolean()).isTrue();
        assertThat(json(r).get("repeat").asBoolean()).isFalse();

        InProcessCli.Result refused = keys("sign", "--key", blsId, "--epoch", "4", "--round", "7", "--kind", "vote", "--msg", "ff", "--json");
        assertThat(refused.code()).isEqualTo(ExitCodes.REFUSED);
        JsonNode doc = json(refused);
        assertThat(doc.get("refused").asText()).contains("already signed");
        assertThat(doc.at("/error/code").asInt()).isEqualTo(ExitCodes.REFUSED); // the error member every --json failure has
        assertThat(doc.get("watermark").get("epoch").asLong()).isEqualTo(4);
        assertThat(doc.get("watermark").get("round").asLong()).isEqualTo(7);
        assertThat(doc.get("watermark").get("kind").asText()).isEqualTo("vote");
    }

    @Test
    @Order(4)
    void badInputUnknownKeyWrongPinAndMissingTokenGiveOneClearLine() throws Exception {
        InProcessCli.Result badKind = keys("sign", "--key", blsId, "--epoch", "1", "--round", "1", "--kind", "ballot", "--msg", "00");
        assertThat(badKind.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badKind.err()).contains("--kind");
        InProcessCli.Result badHex = keys("sign", "--key", blsId, "--epoch", "9", "--round", "1", "--kind", "vote", "--msg", "zz");
        assertThat(badHex.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badHex.err()).contains("--msg must be hex");

        InProcessCli.Result unknown = keys("sign", "--key", "bls-0123456789abcdef", "--epoch", "1", "--round", "1", "--kind", "vote", "--msg", "00");
        assertThat(unknown.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(unknown.err().strip()).contains("unknown key 'bls-0123456789abcdef'").doesNotContain("\n");

        Path pin = HOME.resolve("hsm").resolve("pin");
        String real = Files.readString(pin);
        try {
            Files.writeString(pin, "not-the-pin");
            InProcessCli.Result wrong = keys("list");
            assertThat(wrong.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(wrong.err().strip()).contains("wrong PIN").doesNotContain("not-the-pin").doesNotContain("\n");
        } finally {
            Files.writeString(pin, real);
        }

        Files.writeString(HOME.resolve("config.yaml"), "hsm:\n  tokenLabel: no-such-token\n");
        try {
            InProcessCli.Result missing = keys("list");
            assertThat(missing.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(missing.err().strip()).contains("no token labelled 'no-such-token'").doesNotContain("\n");
        } finally {
            Files.delete(HOME.resolve("config.yaml"));
        }
    }

    @Test
    @Order(5)
    void guardExportImportAndExportOfTheKeyWithItsHistory() throws Exception {
        Path history = HOME.resolve("history.json");
        InProcessCli.Result ex = keys("guard-export", "--key", blsId, "--out", history.toString(), "--json");
        assertThat(ex.code()).as(ex.err()).isZero();
        JsonNode h = JsonOutput.MAPPER.readTree(history.toFile());
        assertThat(h.get("keys").get(0).get("watermarks").get(0).get("round").asLong()).isEqualTo(7);

        InProcessCli.Result im = keys("guard-import", "--in", history.toString(), "--json");
        assertThat(im.code()).as(im.err()).isZero();
        assertThat(json(im).get("watermarksRaised").asInt()).isZero();
        assertThat(Files.readAllLines(HOME.resolve("hsm").resolve("audit").resolve("audit.log")))
                .filteredOn(l -> l.contains("\"event\":\"guard-import\"")).singleElement().asString()
                .contains("\"source\":\"guard-import history.json\"").contains("\"watermarksRaised\":\"0\"");

        Files.writeString(HOME.resolve("bad.json"), "{\"format\":\"nope\"}");
        InProcessCli.Result bad = keys("guard-import", "--in", HOME.resolve("bad.json").toString());
        assertThat(bad.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(bad.err()).contains("format");

        Path export = HOME.resolve("export.json");
        InProcessCli.Result exp = keys("export", "--key", blsId, "--out", export.toString(), "--json");
        assertThat(exp.code()).as(exp.err()).isZero();
        JsonNode e = JsonOutput.MAPPER.readTree(export.toFile());
        assertThat(e.get("sealed").asText()).matches("[0-9a-f]+");
        assertThat(e.get("guardHistory").get("keys").get(0).get("keyId").asText()).isEqualTo(blsId);
        // Re-importing onto the same box: the key exists already, said in one line.
        InProcessCli.Result dup = keys("import-bls", "--sealed", export.toString());
        assertThat(dup.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(dup.err()).contains("already exists");
    }

    @Test
    @Order(6)
    void auditVerifyPassesAndThenCatchesAnEdit() throws Exception {
        InProcessCli.Result ok = keys("audit-verify", "--json");
        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        assertThat(json(ok).get("ok").asBoolean()).isTrue();
        assertThat(json(ok).get("entries").asLong()).isGreaterThanOrEqualTo(5);

        Path log = HOME.resolve("hsm").resolve("audit").resolve("audit.log");
        String original = Files.readString(log);
        try {
            Files.writeString(log, original.replaceFirst("\"event\":\"sign\"", "\"event\":\"sigx\""));
            InProcessCli.Result bad = keys("audit-verify", "--json");
            assertThat(bad.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(json(bad).get("problems").get(0).asText()).contains("edited");
            assertThat(json(bad).at("/error/code").asInt()).isEqualTo(ExitCodes.FAILURE);

            // The last entry and the checkpoint after it cut off: what is left is a well-signed prefix, but the token's
            // anchor names the entry that is gone.
            List<String> lines = original.lines().toList();
            assertThat(lines.getLast()).contains("\"event\":\"checkpoint\"");
            Files.write(log, lines.subList(0, lines.size() - 2));
            InProcessCli.Result cut = keys("audit-verify", "--json");
            assertThat(cut.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(json(cut).get("anchorSeq").asLong()).isEqualTo(lines.size() - 1);
            assertThat(json(cut).get("problems").get(0).asText()).contains("deleted from the end");

            Files.write(log, new byte[0]);
            InProcessCli.Result empty = keys("audit-verify", "--json");
            assertThat(empty.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(json(empty).get("problems").get(0).asText()).contains("deleted from the end");
        } finally {
            Files.writeString(log, original);
        }
        assertThat(keys("audit-verify").code()).isZero();
    }

    @Test
    @Order(50)
    void aLibraryThatIsNotAPkcs11LibraryGivesOneLineNamingTheKeyAndTheFile() throws Exception {
        Path other = HOME.resolveSibling(HOME.getFileName() + "-badlib");
        Files.createDirectories(other);
        // The PIN file of this class's home (made by init-token above): the PIN is read before the library is loaded.
        Files.writeString(other.resolve("config.yaml"), "hsm:\n  library: /etc/passwd\n  pinFile: " + HOME.resolve("hsm").resolve("pin") + "\n");
        InProcessCli.Result r = InProcessCli.run("keys", "list", "--home", other.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err().strip()).contains("hsm.library").contains("/etc/passwd").contains("not an ELF shared library").doesNotContain("\n");
        assertThat(r.err().length()).isLessThan(300);
    }
}
