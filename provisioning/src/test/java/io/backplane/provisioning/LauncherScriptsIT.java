package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shell side of the launchers: the JDK they pick, and the wrappers the READMEs call. */
class LauncherScriptsIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private static InProcessCli.Result bash(String script, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(ROOT.toFile());
        for (int i = 0; i < env.length; i += 2) {
            pb.environment().put(env[i], env[i + 1]);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        return new InProcessCli.Result(p.waitFor(), out, err);
    }

    @Test
    void aBackplaneJavaHomeThatIsNoJdk25IsRefusedNotSkipped() throws Exception {
        InProcessCli.Result bad = bash(". scripts/lib.sh && find_jdk && echo \"$JAVA_HOME\"", "BACKPLANE_JAVA_HOME", "/nonexistent");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.out()).isEmpty();
        assertThat(bad.err()).contains("BACKPLANE_JAVA_HOME=/nonexistent is not a JDK 25");
        // The JDK this test runs on is one: named, it is used.
        String self = System.getProperty("java.home");
        InProcessCli.Result good = bash(". scripts/lib.sh && find_jdk && echo \"$JAVA_HOME\"", "BACKPLANE_JAVA_HOME", self);
        assertThat(good.code()).as(good.err()).isZero();
        assertThat(good.out().strip()).isEqualTo(self);
    }

    @Test
    void theWrappersTheReadmesCallAreExecutable() {
        for (String s : new String[] {"scripts/mvn", "scripts/java", "backplane"}) {
            assertThat(Files.isExecutable(ROOT.resolve(s))).as(s).isTrue();
        }
    }
}
