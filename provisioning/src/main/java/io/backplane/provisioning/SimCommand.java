package io.backplane.provisioning;

import io.backplane.node.sim.Fault;
import io.backplane.node.sim.SimConfig;
import io.backplane.node.sim.SimResult;
import io.backplane.node.sim.Simulation;
import java.io.PrintWriter;
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
 * run kept safety and liveness, 1 otherwise, 2 on bad usage. Signatures are the simulation's stand-in scheme.
 */
@Command(name = "sim", description = {
        "Run the deterministic consensus simulation (seeded scheduler, simulated clock and network, Byzantine nodes).",
        "Signatures use the fast simulated stand-in scheme; the real BLS path is exercised by the test suite."})
public final class SimCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JsonOutput json;

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
            base = SimConfig.of(nodes, byzantine, rounds, f, firstSeed);
        } catch (IllegalArgumentException e) {
            err.println("backplane sim: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        long totalSafety = 0;
        int failed = 0;
        for (long s = firstSeed; s < firstSeed + seeds; s++) {
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
                run.put("replay", r.replay());
                runs.add(run);
                if (r.failed()) {
                    err.println("backplane sim: seed " + r.seed() + " failed: " + String.join("; ", r.violations()));
                }
            } else {
                out.printf("seed %-8d %-4s safety violations %d%s, rounds %d, committed %d, longest stall %d rounds, byzantine %s%n",
                        r.seed(), r.failed() ? "FAIL" : "ok", r.safetyViolations(), r.livenessViolation() ? ", LIVENESS FAILED" : "",
                        r.rounds(), r.committedBlocks(), r.longestStallRounds(), r.byzantineRoles());
                if (r.failed()) {
                    r.violations().forEach(v -> out.println("    " + v));
                    out.println("    replay: " + r.replay());
                }
            }
        }
        if (json.enabled()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("safetyViolations", totalSafety);
            doc.put("runs", runs);
            JsonOutput.line(out, doc);
        } else {
            out.printf("sim: %d run(s), %d failed, %d safety violation(s) (n=%d, f=%d, rounds=%d, faults=%s)%n",
                    seeds, failed, totalSafety, nodes, byzantine, rounds, Fault.format(base.faults()));
        }
        out.flush();
        return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    }
}
