package io.backplane.provisioning;

import io.backplane.config.BackplaneConfig;
import io.backplane.config.NodeHome;
import io.backplane.node.assembly.NodeAssembly;
import io.backplane.node.sim.Fault;
import io.backplane.node.sim.SimConfig;
import io.backplane.node.sim.SimResult;
import io.backplane.node.sim.Simulation;
import io.backplane.node.consensus.liveness.RoundRobinElection;
import io.backplane.node.consensus.liveness.RoundRobinLeaderSchedule;
import io.backplane.node.plugins.PluginLeaderElection;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.host.EnclaveHost;
import io.backplane.plugin.host.EnclaveSettings;
import io.backplane.plugin.host.PluginClient;
import io.backplane.plugin.host.PluginRefusedException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backplane sim}: the deterministic consensus simulation as a tool. Runs seeds {@code --seed} ..
 * {@code --seed + --seeds - 1} of n validators (f Byzantine) on a simulated adversarial network and prints, per
 * run, safety violations, blocks committed, the longest stall and the command that replays it. Exit 0 when every
 * run kept safety and liveness, 1 otherwise, 2 on bad usage, 4 when the leader-election plugin is refused or broken.
 * Signatures are the simulation's stand-in scheme. Leaders come from committed schedules in epochs of
 * {@code --epoch-length} rounds (0: the fixed round-robin rotation), computed by the built-in round robin or by
 * {@code --leader-election JAR}: that plugin is verified against its manifest ({@code --leader-election-manifest},
 * default {@code <JAR without .jar>.manifest.json}; authors trusted in {@code <home>/plugins/authors}) and runs in one
 * enclave for the whole command, shared by every simulated node and seed (it is a pure function of its input).
 */
@Command(name = "sim", description = {
        "Run the deterministic consensus simulation (seeded scheduler, simulated clock and network, Byzantine nodes).",
        "Signatures use the fast simulated stand-in scheme; the real BLS path is exercised by the test suite.",
        "--leader-election JAR runs the leaders' schedule from that plugin, in an enclave (manifest: --leader-election-manifest,",
        "default <JAR without .jar>.manifest.json; trusted authors: <home>/plugins/authors). Exit 4: the plugin was refused."})
public final class SimCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JsonOutput json;

    @Mixin
    HomeOption home;

    @Option(names = "--nodes", paramLabel = "N", description = "Validators (default: ${DEFAULT-VALUE}).", defaultValue = "4")
    int nodes;

    @Option(names = "--byzantine", paramLabel = "F", description = "Byzantine validators, 3F < N (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    int byzantine;

    @Option(names = "--seeds", paramLabel = "K", description = "How many seeds to run (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    int seeds;

    @Option(names = "--seed", paramLabel = "S", description = "First seed (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    long firstSeed;

    @Option(names = "--rounds", paramLabel = "R", description = "Rounds per run (default: ${DEFAULT-VALUE}).", defaultValue = "60")
    long rounds;

    @Option(names = "--faults", paramLabel = "LIST", description = "Comma-separated subset of partitions,drops,crashes,twins, or none (default: ${DEFAULT-VALUE}).",
            defaultValue = "partitions,drops,crashes,twins")
    String faults;

    @Option(names = "--epoch-length", paramLabel = "L", description = "Rounds per schedule epoch; 0: fixed round robin, no committed schedules (default: ${DEFAULT-VALUE}).",
            defaultValue = "10")
    int epochLength;

    @Option(names = "--leader-election", paramLabel = "JAR", description = "A leader-election plugin jar to compute the schedules (in an enclave).")
    Path leaderElection;

    @Option(names = "--leader-election-manifest", paramLabel = "M", description = "Its manifest (default: <JAR without .jar>.manifest.json).")
    Path leaderElectionManifest;

    @Option(names = "--pass-through-guard", description = "In-memory guards that refuse nothing: a safety-rule bug shows as a double signature, not a refusal.")
    boolean passThroughGuard;

    @Option(names = "--allow-weak-sandbox", description = "Run the plugin even when bubblewrap cannot create namespaces (weak isolation).")
    boolean allowWeak;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SimConfig base;
        try {
            if (seeds < 1) {
                throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
            }
            Set<Fault> f = Fault.parse(faults);
            base = SimConfig.of(nodes, byzantine, rounds, f, firstSeed).withPassThroughGuard(passThroughGuard);
            if (epochLength == 0) {
                if (leaderElection != null) {
                    throw new IllegalArgumentException("--leader-election needs schedule epochs: --epoch-length must be at least 1");
                }
                base = base.withLeaders(RoundRobinLeaderSchedule::new);
            } else {
                base = base.withElection(epochLength, new RoundRobinElection());
            }
        } catch (IllegalArgumentException e) {
            err.println("backplane sim: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (leaderElection == null) {
            return runSeeds(base, "", out, err);
        }
        Path manifest = leaderElectionManifest != null ? leaderElectionManifest : LeaderElectionPlugin.defaultManifest(leaderElection);
        NodeHome nodeHome = home.resolve();
        BackplaneConfig config = home.loadConfig(nodeHome);
        EnclaveSettings settings = NodeAssembly.enclaveSettings(config);
        if (allowWeak) {
            settings = settings.withAllowWeakSandbox(true);
        }
        try (EnclaveHost host = NodeAssembly.enclaveHost(nodeHome, config, settings)) {
            byte[] manifestJson;
            try {
                manifestJson = java.nio.file.Files.readAllBytes(manifest);
            } catch (java.io.IOException e) {
                String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
                return pluginError(out, err, "cannot read the leader-election manifest " + manifest + " (" + why
                        + "); give it with --leader-election-manifest");
            }
            PluginClient client;
            try {
                client = host.load(manifestJson, leaderElection);
            } catch (PluginRefusedException e) {
                return pluginError(out, err, "leader-election plugin " + leaderElection + " refused: " + e.getMessage());
            }
            try (client) {
                if (!client.kinds().contains(PluginKind.LEADER_ELECTION)) {
                    return pluginError(out, err, "plugin " + client.pluginId() + " is not a leader-election plugin (kinds " + client.kinds() + ")");
                }
                PluginLeaderElection election = new PluginLeaderElection(client);
                String flags = (home.home != null ? " --home " + home.home : "") + " --leader-election " + leaderElection
                        + " --leader-election-manifest " + manifest;
                int rc = runSeeds(base.withElection(epochLength, election), flags, out, err);
                if (election.undecided() > 0) {
                    err.println("backplane sim: ALERT the leader-election plugin " + client.pluginId() + " was undecided "
                            + election.undecided() + " time(s); the nodes abstained there");
                }
                return rc;
            }
        }
    }

    private int pluginError(PrintWriter out, PrintWriter err, String message) {
        throw CommandFailure.plugin(message); // Main renders it: stderr, and {"error":{...}} under --json
    }

    private int runSeeds(SimConfig base, String pluginFlags, PrintWriter out, PrintWriter err) {
        List<Map<String, Object>> runs = java.util.Collections.synchronizedList(new ArrayList<>());
        long totalSafety = 0;
        int failed = 0;
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        Interrupts.Registration stop = Interrupts.whileRunning(() -> interrupted(out, runs, done.get()));
        for (long s = firstSeed; s < firstSeed + seeds; s++, done.incrementAndGet()) {
            SimResult r = Simulation.run(base.withSeed(s));
            totalSafety += r.safetyViolations();
            if (r.failed()) {
                failed++;
            }
            if (json.enabled()) {
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("seed", r.seed());
                run.put("safetyViolations", r.safetyViolations());
                run.put("committedBlocks", r.committedBlocks());
                run.put("longestStallRounds", r.longestStallRounds());
                run.put("replay", replay(r, pluginFlags));
                run.put("roundsReached", r.rounds());
                run.put("targetRounds", r.targetRounds());
                Map<String, Object> liveness = new LinkedHashMap<>();
                liveness.put("healedAtRound", r.healedAtRound());
                liveness.put("committedAfterHeal", r.committedAfterHeal());
                liveness.put("ok", !r.livenessViolation());
                run.put("liveness", liveness);
                runs.add(run);
                if (r.failed()) {
                    err.println("backplane sim: seed " + r.seed() + " failed: " + String.join("; ", r.violations()));
                }
            } else {
                out.printf("seed %-8d %-4s safety violations %d%s, rounds %d/%d, healed at round %d, committed %d (%d after heal), longest stall %d rounds, byzantine %s%n",
                        r.seed(), r.failed() ? "FAIL" : "ok", r.safetyViolations(), r.livenessViolation() ? ", LIVENESS FAILED" : "",
                        r.rounds(), r.targetRounds(), r.healedAtRound(), r.committedBlocks(), r.committedAfterHeal(), r.longestStallRounds(), r.byzantineRoles());
                if (r.failed()) {
                    r.violations().forEach(v -> out.println("    " + v));
                    out.println("    replay: " + replay(r, pluginFlags));
                }
            }
        }
        stop.close();
        if (json.enabled()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("safetyViolations", totalSafety);
            doc.put("runs", runs);
            JsonOutput.line(out, doc);
        } else {
            out.printf("sim: %d run(s), %d failed, %d safety violation(s) (n=%d, f=%d, rounds=%d, faults=%s, epoch length %d%s)%n",
                    seeds, failed, totalSafety, nodes, byzantine, rounds, Fault.format(base.faults()), base.epochLength(),
                    pluginFlags.isEmpty() ? ", built-in round robin" : ", leader election from " + leaderElection);
        }
        out.flush();
        return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    /** Ctrl-C: the runs finished so far, then the JVM exits 130 ({@link Interrupts}). */
    private void interrupted(PrintWriter out, List<Map<String, Object>> runs, long done) {
        if (json.enabled()) {
            List<Map<String, Object>> finished;
            synchronized (runs) {
                finished = new ArrayList<>(runs);
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("safetyViolations", finished.stream().mapToLong(r -> ((Number) r.get("safetyViolations")).longValue()).sum());
            doc.put("runs", finished);
            doc.put("interrupted", true);
            JsonOutput.line(out, doc);
        } else {
            out.printf("sim: interrupted after %d of %d run(s)%n", done, seeds);
            out.flush();
        }
    }

    private static String replay(SimResult r, String pluginFlags) {
        String cmd = r.replay();
        return pluginFlags.isEmpty() ? cmd : cmd.replace(" --json", pluginFlags + " --json");
    }
}
