package io.backplane.node.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backplane.admin.model.BenchView;
import io.backplane.admin.model.Check;
import io.backplane.admin.model.Refused;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The admin API's benchmark jobs: {@code backplane bench} run as a child process at the lowest CPU priority
 * ({@code nice -n 19}) under a CPU-time budget ({@code prlimit --cpu}: the kernel stops it when spent), one at a time,
 * and only on a node whose every readiness part is up. Its output and progress lines are kept under
 * {@code <home>/admin/bench/}; the last 16 jobs are remembered.
 */
public final class BenchJobs implements BenchView, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BenchJobs.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** CPU seconds one job may use, all its threads together. */
    public static final int CPU_BUDGET_SECONDS = 120;
    private static final int KEEP = 16;

    private final Path dir;
    private final Path home;
    private final Function<List<String>, List<String>> backplane;
    private final Supplier<List<Check>> readiness;
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private long next = 1;
    private Job running;

    private static final class Job {
        final String id;
        final List<String> ops;
        final int maxPointMs;
        final long startedAt = System.currentTimeMillis();
        final Path out;
        final Path err;
        volatile Process process;
        volatile String state = "running";
        volatile String failure;
        volatile long finishedAt;

        Job(String id, List<String> ops, int maxPointMs, Path dir) {
            this.id = id;
            this.ops = List.copyOf(ops);
            this.maxPointMs = maxPointMs;
            this.out = dir.resolve(id + ".json");
            this.err = dir.resolve(id + ".log");
        }
    }

    /**
     * @param home      the node's home ({@code bench --home}: its OpenCL cache; the dispatch thresholds it measures are saved there)
     * @param backplane the command line that runs {@code backplane ARGS} (the node's own JDK and class path)
     * @param readiness the node's readiness parts: a job starts only when every one is up
     */
    public BenchJobs(Path home, Function<List<String>, List<String>> backplane, Supplier<List<Check>> readiness) {
        this.home = home;
        this.dir = home.resolve("admin").resolve("bench");
        this.backplane = backplane;
        this.readiness = readiness;
    }

    @Override
    public synchronized Map<String, Object> start(List<String> ops, int maxPointMs) {
        if (running != null && "running".equals(running.state)) {
            throw new Refused(409, "benchmark " + running.id + " is running (started " + (System.currentTimeMillis() - running.startedAt) / 1000
                    + " s ago); one at a time");
        }
        List<String> down = readiness.get().stream().filter(c -> !c.ok()).map(c -> c.name() + ": " + c.reason()).toList();
        if (!down.isEmpty()) {
            throw new Refused(409, "the node is not ready (" + String.join("; ", down) + "); a benchmark never runs on a node that is behind");
        }
        Job job = new Job("b" + next++, ops, maxPointMs, dir);
        List<String> cmd = new ArrayList<>(List.of("nice", "-n", "19", "prlimit", "--cpu=" + CPU_BUDGET_SECONDS));
        cmd.addAll(backplane.apply(List.of("bench", "--ops", String.join(",", ops), "--device", "all", "--max-point-ms", Integer.toString(maxPointMs),
                "--max-batch", "65536", "--min-time-ms", "100", "--home", home.toString(), "--json")));
        try {
            Files.createDirectories(dir);
            job.process = new ProcessBuilder(cmd).redirectOutput(job.out.toFile()).redirectError(job.err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IllegalStateException("the benchmark could not start: " + e.getMessage(), e);
        }
        running = job;
        jobs.put(job.id, job);
        while (jobs.size() > KEEP) {
            jobs.remove(jobs.keySet().iterator().next());
        }
        job.process.onExit().thenAccept(p -> finished(job, p.exitValue()));
        LOG.info("admin: benchmark {} started (pid {}, ops {}, {} ms per point, nice 19, {} CPU seconds)", job.id, job.process.pid(), ops, maxPointMs,
                CPU_BUDGET_SECONDS);
        return view(job);
    }

    private void finished(Job job, int exit) {
        job.finishedAt = System.currentTimeMillis();
        if (exit == 0) {
            job.state = "done";
        } else {
            job.state = "failed";
            // SIGXCPU (the budget spent) ends the JVM with 128 + 24; SIGKILL after the hard limit with 137
            job.failure = exit == 152 || exit == 137 ? "stopped: its CPU budget of " + CPU_BUDGET_SECONDS + " s was spent (exit " + exit + ")"
                    : "exit " + exit + ": " + lastLine(job.err);
        }
        LOG.info("admin: benchmark {} {}", job.id, job.state + (job.failure == null ? "" : " (" + job.failure + ")"));
    }

    @Override
    public synchronized Map<String, Object> job(String id) {
        Job j = jobs.get(id);
        if (j == null) {
            throw new Refused(404, "no benchmark " + id + " (the last " + KEEP + " are kept)");
        }
        return view(j);
    }

    private Map<String, Object> view(Job j) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", j.id);
        doc.put("state", j.state);
        doc.put("ops", j.ops);
        doc.put("maxPointMs", j.maxPointMs);
        doc.put("elapsedMs", (j.finishedAt == 0 ? System.currentTimeMillis() : j.finishedAt) - j.startedAt);
        doc.put("progress", lastLine(j.err));
        if (j.failure != null) {
            doc.put("failure", j.failure);
        }
        if ("done".equals(j.state)) {
            try {
                JsonNode result = JSON.readTree(Files.readString(j.out, StandardCharsets.UTF_8));
                doc.put("result", JSON.convertValue(result, Object.class));
            } catch (IOException e) {
                doc.put("state", "failed");
                doc.put("failure", "its output " + j.out + " is not the JSON document bench prints: " + e.getMessage());
            }
        }
        return doc;
    }

    private static String lastLine(Path file) {
        try {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).strip();
                }
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }

    /** A job still running when the node stops is stopped with it. */
    @Override
    public synchronized void close() {
        if (running != null && running.process != null && running.process.isAlive()) {
            running.process.descendants().forEach(ProcessHandle::destroy);
            running.process.destroy();
        }
    }
}
