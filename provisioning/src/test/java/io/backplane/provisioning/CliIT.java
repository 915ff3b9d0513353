package io.backplane.provisioning;

import static io.backplane.provisioning.InProcessCli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.provisioning.InProcessCli.Result;
import org.junit.jupiter.api.Test;

class CliIT {
    @Test
    void unknownSubcommandPrintsUsageAndExits2() {
        Result r = run("frobnicate");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("frobnicate").contains("Usage: backplane");
    }

    @Test
    void badFlagExits2() {
        Result r = run("version", "--no-such-flag");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--no-such-flag");
    }

    @Test
    void noSubcommandPrintsUsageAndExits2() {
        Result r = run();
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("doctor").contains("version").contains("test");
    }

    @Test
    void versionPrintsTheBuildVersionAsJson() throws Exception {
        Result r = run("version", "--json");
        assertThat(r.code()).isZero();
        JsonNode doc = JsonOutput.MAPPER.readTree(r.out());
        assertThat(doc.get("version").asText()).isEqualTo(VersionCommand.version()).doesNotContain("${");
        assertThat(doc.get("java").asText()).startsWith(String.valueOf(Runtime.version().feature()));
    }

    @Test
    void doctorReportsEveryPartAndItsExitCodeMatchesTheRequiredOnes() throws Exception {
        Result r = run("doctor", "--json");
        JsonNode doc = JsonOutput.MAPPER.readTree(r.out());
        assertThat(doc.get("checks")).extracting(c -> c.get("name").asText())
                .contains("jdk", "softhsm", "opencl", "bubblewrap", "enclave", "epoll", "io_uring");
        boolean requiredMissing = false;
        for (JsonNode c : doc.get("checks")) {
            assertThat(c.get("status").asText()).isIn("OK", "MISSING");
            if (c.get("status").asText().equals("MISSING")) {
                assertThat(c.get("fix").asText()).as("a MISSING part says how to fix it").isNotBlank();
                requiredMissing |= c.get("required").asBoolean();
            }
        }
        assertThat(doc.get("ok").asBoolean()).isEqualTo(!requiredMissing);
        assertThat(r.code()).isEqualTo(requiredMissing ? ExitCodes.FAILURE : ExitCodes.OK);
        // This JVM is the JDK 25 the scripts chose.
        assertThat(doc.get("checks").get(0).get("status").asText()).isEqualTo("OK");
        // Each hardware check agrees with the same part probed independently of the doctor's code.
        boolean anyOpenCl = exitsZero("sh", "-c", "clinfo -l 2>/dev/null | grep -q Device");
        boolean bwrapWorks = exitsZero("bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true");
        for (JsonNode c : doc.get("checks")) {
            boolean ok = c.get("status").asText().equals("OK");
            switch (c.get("name").asText()) {
                case "opencl" -> assertThat(ok).as("opencl: %s", c.get("detail")).isEqualTo(anyOpenCl || !commandExists("clinfo") && ok);
                case "bubblewrap" -> assertThat(ok).as("bubblewrap: %s", c.get("detail")).isEqualTo(bwrapWorks);
                default -> { }
            }
        }
    }

    @Test
    void doctorHumanOutputHasOneLinePerCheck() {
        Result r = run("doctor");
        assertThat(r.out()).contains("jdk").contains("opencl").containsPattern("(?m)^(OK|MISSING) ");
    }

    @Test
    void setOverridesTheConfigAndABadValueNamesTheKey(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path in = dir.resolve("in.jsonl");
        java.nio.file.Files.writeString(in, "{\"msg\":\"616263\"}\n");
        String home = dir.resolve("home").toString();
        Result bad = run("accel", "sha256", "--backend", "auto", "--in", in.toString(), "--home", home, "--set", "accel.device=gpu");
        assertThat(bad.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(bad.err()).contains("config key `accel.device`").contains("got 'gpu'");
        Result unknown = run("accel", "sha256", "--in", in.toString(), "--home", home, "--set", "accel.colour=red");
        assertThat(unknown.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(unknown.err()).contains("config key `accel.colour`").contains("unknown");
        Result good = run("accel", "sha256", "--backend", "auto", "--in", in.toString(), "--home", home, "--set", "accel.device=cpu");
        assertThat(good.code()).isZero();
        assertThat(good.out()).contains("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void resolvingAHomePutsTheNodeIdOnLogLines(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        HomeOption option = new HomeOption();
        option.home = dir.resolve("h");
        option.node = "n9";
        assertThat(option.resolve().dir()).isEqualTo(dir.resolve("h"));
        assertThat(org.slf4j.MDC.get("node")).isEqualTo("n9");
        org.slf4j.MDC.remove("node");
    }

    private static boolean exitsZero(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean commandExists(String name) {
        return exitsZero("sh", "-c", "command -v " + name);
    }
}
