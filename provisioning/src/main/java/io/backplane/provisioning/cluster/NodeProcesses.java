package io.backplane.provisioning.cluster;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops the validators of a local cluster as separate OS processes: the same JVM and class path as this
 * one, {@code backplane node run} with each node's home, in a session of their own ({@code setsid}, so a terminal's
 * Ctrl-C reaches only {@code up}, which then stops them in order), output appended to {@code <node home>/logs/node.log}.
 * {@link #stop} sends SIGTERM (a node closes its stores cleanly) and waits; only a node that does not stop in time
 * is killed.
 */
public final class NodeProcesses {
    /** How one node is started. */
    public record Spec(String id, Path home, Path genesis, String metrics, String admin, String backend) {
    }

    private final List<Process> processes = new ArrayList<>();
    private final List<Spec> specs = new ArrayList<>();

    public Process start(Spec spec) throws IOException {
        Path logs = spec.home().resolve("logs");
        Files.createDirectories(logs);
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.addAll(backplane(List.of("node", "run", "--home", spec.home().toString(), "--genesis", spec.genesis().toString(),
                "--metrics", spec.metrics(), "--admin", spec.admin(), "--set", "accel.device=" + spec.backend())));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("node.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().remove("BACKPLANE_HOME");
        pb.environment().remove("SOFTHSM2_CONF"); // each node chooses its own token configuration
        pb.environment().putIfAbsent("BACKPLANE_LOG_LEVEL", "INFO");
        Process p = pb.start();
        processes.add(p);
        specs.add(spec);
        return p;
    }

    /**
     * The command line that runs {@code backplane ARGS} in a new JVM like this one (its java, class path and JVM
     * options): what needs a process of its own, such as anything that opens a SoftHSM token (one per process).
     */
    public static List<String> backplane(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-Xmx") && !a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-XX:StartFlightRecording")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx1g");
        cmd.add("-XX:+ExitOnOutOfMemoryError"); // a validator out of memory exits (and is seen to) rather than lose a thread
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.backplane.provisioning.Main");
        cmd.addAll(args);
        return cmd;
    }

    /** Runs {@code backplane ARGS} in a child JVM and waits; its exit code and its output (stdout and stderr). */
    public static Result runOnce(List<String> args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(backplane(args)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    /** What {@link #runOnce} saw. */
    public record Result(int exitCode, String output) {
    }

    public List<Process> processes() {
        return List.copyOf(processes);
    }

    /** The first node process that exited, if any. */
    public Optional<Spec> firstExited() {
        for (int i = 0; i < processes.size(); i++) {
            if (!processes.get(i).isAlive()) {
                return Optional.of(specs.get(i));
            }
        }
        return Optional.empty();
    }

    /** SIGTERM to every node, then waits up to {@code graceSeconds} for each; kills what is left. Returns how many had to be killed. */
    public int stop(long graceSeconds) {
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroy();
            }
        }
        int killed = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
        for (Process p : processes) {
            try {
                long left = deadline - System.nanoTime();
                if (!p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    killed++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                killed++;
            }
        }
        return killed;
    }

    /** The last {@code lines} lines of a node's log (to show why it stopped). */
    public static String logTail(Path home, int lines) {
        try {
            List<String> all = Files.readAllLines(home.resolve("logs").resolve("node.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
