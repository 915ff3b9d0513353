package io.backplane.provisioning;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code backplane test}: installs what the tests need and runs the full suite ({@code scripts/test}, the same
 * thing CI runs). The {@code ./backplane} script runs {@code scripts/test} directly for this subcommand, so the
 * suite does not wait for the command line to be built first; this class serves a packaged launcher.
 */
@Command(name = "test", description = "Install test dependencies and run the full test suite (what CI runs).")
public final class TestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "MAVEN_ARGS", description = "Extra arguments passed to Maven (e.g. -pl accel-kernels -am).")
    List<String> mavenArgs = new ArrayList<>();

    /** Maven's own flags ({@code -pl}, {@code -Dx=y}) are not ours to parse: they go to Maven as they are. */
    @picocli.CommandLine.Unmatched
    List<String> mavenFlags = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        String root = System.getProperty("backplane.root");
        if (root == null || !Files.isExecutable(Path.of(root, "scripts", "test"))) {
            spec.commandLine().getErr().println("backplane test: needs the source tree (run ./backplane test from a clone)");
            return ExitCodes.FAILURE;
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(root, "scripts", "test").toString()));
        cmd.addAll(mavenFlags);
        cmd.addAll(mavenArgs);
        return new ProcessBuilder(cmd).directory(Path.of(root).toFile()).inheritIO().start().waitFor();
    }
}
