package io.backplane.provisioning;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A main class of this test class path in a child JVM of the same JDK, its stdout and stderr captured in files under
 * {@code dir}. The child does not inherit a SoftHSM config, a home or PINs from the test's environment (a SoftHSM
 * config is chosen once per JVM, and a PIN in the environment would hide a missing PIN file).
 */
final class ChildJvm {
    private static final List<String> NOT_INHERITED = List.of("SOFTHSM2_CONF", "BACKPLANE_HOME", "BACKPLANE_HSM_PIN", "BACKPLANE_HSM_SO_PIN");

    /** How a child ended: exit code and everything it wrote. */
    record Result(int code, String out, String err) {
    }

    private final Path dir;
    private final List<String> flags = new ArrayList<>();
    private Map<String, String> env = Map.of();

    private ChildJvm(Path dir) {
        this.dir = dir;
        flags.addAll(List.of("-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "-Djna.tmpdir=" + dir.resolve("jna")));
    }

    static ChildJvm in(Path dir) {
        return new ChildJvm(dir);
    }

    /** More JVM flags (a later {@code -Dname=} wins over an earlier one). */
    ChildJvm flags(String... more) {
        flags.addAll(List.of(more));
        return this;
    }

    ChildJvm env(Map<String, String> variables) {
        this.env = variables;
        return this;
    }

    Path out() {
        return dir.resolve("child.out");
    }

    Path err() {
        return dir.resolve("child.err");
    }

    /** The child's command line (also for tests that wrap it in a shell line of their own). */
    List<String> command(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    Process start(String mainClass, String... args) throws IOException {
        return startCommand(command(mainClass, args));
    }

    /** Any command line (a shell wrapping {@link #command}), with the same output files and environment rules. */
    Result runCommand(List<String> cmd) throws Exception {
        return waitFor(startCommand(cmd), 120, cmd.toString());
    }

    private Process startCommand(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out().toFile()).redirectError(err().toFile());
        NOT_INHERITED.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Starts the child and waits for it (120 s at most: a child still running then is killed and the test fails). */
    Result run(String mainClass, String... args) throws Exception {
        return waitFor(start(mainClass, args), 120, mainClass + " " + List.of(args));
    }

    Result waitFor(Process p, long seconds, String what) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child " + what + " did not finish in " + seconds + " s: " + Files.readString(err()));
        }
        return new Result(p.exitValue(), Files.readString(out()), Files.readString(err()));
    }
}
