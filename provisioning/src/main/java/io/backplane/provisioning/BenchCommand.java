package io.backplane.provisioning;

import io.backplane.accel.AccelBackend;
import io.backplane.accel.AccelOp;
import io.backplane.accel.bench.AccelBenchmark;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.opencl.OpenClBackend;
import io.backplane.accel.opencl.OpenClRuntime;
import io.backplane.accel.opencl.ProgramCache;
import io.backplane.config.NodeHome;
import io.backplane.hsm.bench.HsmBenchmark;
import io.backplane.node.assembly.NodeAssembly;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backplane bench --ops a,b,...}: per operation and batch size, items/s and median batch latency for each
 * backend present, the ratio to the CPU measured in the same run, and the crossover batch size. Operations are
 * named {@link Suite}s in a small registry, so other modules plug theirs in (HSM signing, ...) with one
 * {@link #register} line; an unknown name is a usage error listing the known ones.
 */
@Command(name = "bench", description = "Benchmark operations per backend and batch size (items/s, median latency, ratio to CPU, crossover).")
public final class BenchCommand implements Callable<Integer> {
    /** One named benchmark; it measures what it owns and reports rows. */
    public interface Suite {
        /** What is counted as an item (e.g. "64-byte messages"). */
        String unit();

        Report run(Settings settings) throws Exception;
    }

    /**
     * What a suite may use: the node home, the device backends selected by {@code --device} (opened once per run
     * and shared), the largest batch to measure, and the time each measured point should take at least.
     */
    public record Settings(NodeHome home, Supplier<List<AccelBackend>> devices, int maxBatch, long minTimeMillis,
                           PrintWriter progress, long maxPointMillis) {
        public Settings(NodeHome home, Supplier<List<AccelBackend>> devices, int maxBatch, long minTimeMillis, PrintWriter progress) {
            this(home, devices, maxBatch, minTimeMillis, progress, Long.MAX_VALUE);
        }
    }

    /**
     * One measured point; {@code ratioToCpu} is items/s of this backend over the CPU's at the same batch (null if no
     * CPU row); {@code transferShare} is the share of the device time spent on buffer transfers (null for the CPU).
     */
    public record Row(String backend, int batch, int iterations, double medianMillis, double itemsPerSecond, Double ratioToCpu,
                      Double transferShare) {
        public Row(String backend, int batch, int iterations, double medianMillis, double itemsPerSecond, Double ratioToCpu) {
            this(backend, batch, iterations, medianMillis, itemsPerSecond, ratioToCpu, null);
        }
    }

    /**
     * The result of one suite: rows by batch size and backend, and the batch size from which the (first) device is at
     * least as fast as the CPU at every larger measured size (null: it never is in the measured range, or no device);
     * {@code crossovers} gives it per device when there are several.
     */
    public record Report(String op, String unit, List<String> backends, List<Row> rows, Integer crossover,
                         Map<String, Integer> crossovers, String note) {
    }

    private static final Map<String, Supplier<Suite>> SUITES = new LinkedHashMap<>();

    static {
        for (AccelBenchmark.Op op : AccelBenchmark.all()) {
            register(op.name(), () -> new AccelSuite(op));
        }
        for (String op : HsmBenchmark.OPS) {
            register(op, () -> new HsmSuite(op));
        }
    }

    /** Adds a named suite (later registrations of the same name replace earlier ones). */
    public static synchronized void register(String name, Supplier<Suite> suite) {
        SUITES.put(name, suite);
    }

    public static synchronized List<String> known() {
        return List.copyOf(SUITES.keySet());
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--ops", split = ",", paramLabel = "OP[,OP...]", defaultValue = "sha256,merkle,vdf-verify",
            description = "Operations to measure (default: ${DEFAULT-VALUE}).")
    List<String> ops;

    @Option(names = "--device", defaultValue = "all", paramLabel = "SPEC",
            description = "Devices to compare with the CPU: all (every OpenCL device), auto, cpu (CPU only), opencl, opencl:<index|name> (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--max-batch", defaultValue = "1048576", paramLabel = "N", description = "Largest batch size measured (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--min-time-ms", defaultValue = "400", paramLabel = "MS", description = "Least time spent per point (default: ${DEFAULT-VALUE}).")
    long minTimeMillis;

    @Option(names = "--max-point-ms", defaultValue = "30000", paramLabel = "MS",
            description = "Skip a batch size (and larger ones) when one backend's estimated time for the point exceeds this (default: ${DEFAULT-VALUE}).")
    long maxPointMillis;

    @Mixin
    HomeOption home;

    @Mixin
    JsonOutput json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> unknown = ops.stream().filter(o -> !known().contains(o)).toList();
        if (unknown.isEmpty() && maxBatch >= 1 && minTimeMillis >= 0 && maxPointMillis >= 1) {
            return run(out, err);
        }
        if (!unknown.isEmpty()) {
            err.println("backplane bench: unknown op " + String.join(", ", unknown) + " (known: " + String.join(", ", known()) + ")");
        } else {
            err.println("backplane bench: --max-batch must be >= 1, --min-time-ms >= 0 and --max-point-ms >= 1");
        }
        return ExitCodes.USAGE;
    }

    private int run(PrintWriter out, PrintWriter err) throws Exception {
        NodeHome nodeHome = home.resolve();
        AtomicReference<List<AccelBackend>> opened = new AtomicReference<>();
        Supplier<List<AccelBackend>> devicesOnce = () -> {
            if (opened.get() == null) {
                opened.set(openDevices(nodeHome));
            }
            return opened.get();
        };
        List<Report> reports = java.util.Collections.synchronizedList(new ArrayList<>());
        // Ctrl-C prints the suites that finished, as the table or a JSON document marked "interrupted" (exit 130).
        Interrupts.Registration stop = Interrupts.whileRunning(() -> {
            List<Report> finished;
            synchronized (reports) {
                finished = new ArrayList<>(reports);
            }
            if (json.enabled()) {
                JsonOutput.line(out, Map.of("ops", finished, "interrupted", true));
            } else {
                finished.forEach(r -> print(out, r));
                out.println("bench: interrupted after " + finished.size() + " of " + ops.size() + " suite(s)");
                out.flush();
            }
        });
        try {
            for (String name : ops) {
                Suite suite = SUITES.get(name).get();
                reports.add(suite.run(new Settings(nodeHome, devicesOnce, maxBatch, minTimeMillis, err, maxPointMillis)));
            }
        } finally {
            stop.close();
            if (opened.get() != null) {
                opened.get().forEach(AccelBackend::close);
            }
        }
        String jit = jitWarning();
        io.backplane.accel.Calibration cal = saveCalibration(nodeHome, opened.get(), reports);
        if (json.enabled()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("ops", reports);
            doc.put("jitWarning", jit);
            doc.put("calibration", cal == null ? null : Map.of("file", nodeHome.dir().resolve(io.backplane.accel.Calibration.FILE).toString(),
                    "device", cal.device(), "thresholds", cal.thresholds()));
            JsonOutput.line(out, doc);
        } else {
            if (jit != null) {
                out.println("warning: " + jit);
                out.println();
            }
            for (Report r : reports) {
                print(out, r);
            }
            if (cal != null) {
                out.println("dispatch thresholds saved to " + nodeHome.dir().resolve(io.backplane.accel.Calibration.FILE)
                        + " for " + cal.device() + ": " + String.join(", ", cal.describe()));
            }
        }
        return ExitCodes.OK;
    }

    /**
     * The measured crossovers of the first device become its dispatch thresholds in the home (merged with those of
     * operations not measured this time, when the file is for the same device); null when no device was measured.
     */
    private static io.backplane.accel.Calibration saveCalibration(NodeHome nodeHome, List<AccelBackend> devices, List<Report> reports)
            throws IOException {
        if (devices == null || devices.isEmpty()) {
            return null;
        }
        AccelBackend d = devices.get(0);
        Map<String, Integer> crossovers = new LinkedHashMap<>();
        for (Report r : reports) {
            if (r.crossovers().containsKey(label(d))) {
                crossovers.put(r.op(), r.crossovers().get(label(d)));
            }
        }
        if (crossovers.isEmpty()) {
            return null;
        }
        Path file = nodeHome.dir().resolve(io.backplane.accel.Calibration.FILE);
        Map<String, Integer> merged = new LinkedHashMap<>();
        java.util.Optional<io.backplane.accel.Calibration> old;
        try {
            old = io.backplane.accel.Calibration.load(file);
        } catch (IOException e) {
            old = java.util.Optional.empty(); // a damaged file is replaced by this measurement
        }
        old.flatMap(c -> c.thresholdsFor(d.describe())).ifPresent(merged::putAll);
        io.backplane.accel.Calibration fresh = io.backplane.accel.Calibration.fromCrossovers(d.describe(), java.time.Instant.now(),
                "backplane bench", crossovers);
        merged.putAll(fresh.thresholds());
        io.backplane.accel.Calibration cal = new io.backplane.accel.Calibration(d.describe(), fresh.measuredAt(), fresh.source(), merged);
        cal.save(file);
        return cal;
    }

    private List<AccelBackend> openDevices(NodeHome nodeHome) {
        if (!device.equals("all")) {
            return NodeAssembly.openDevice(device, nodeHome).map(List::of).orElse(List.of());
        }
        List<AccelBackend> all = new ArrayList<>();
        for (OpenClRuntime.Handle h : OpenClRuntime.handles()) {
            all.add(OpenClBackend.open(h, new ProgramCache(NodeAssembly.openClCacheDir(nodeHome))));
        }
        return all;
    }

    /** "cpu", or "opencl:<index>" so that several devices stay apart in the rows. */
    static String label(AccelBackend b) {
        return b instanceof OpenClBackend o ? "opencl:" + o.device().index() : b.name();
    }

    /**
     * A JVM capped at C1 ({@code -XX:TieredStopAtLevel} below 4, e.g. through BACKPLANE_JVM_OPTS) loses HotSpot's SHA-256
     * and BigInteger intrinsics, and the CPU path looks up to 10x slower than a node would be. Null when the full JIT is on.
     */
    static String jitWarning() {
        String level = null;
        for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:TieredStopAtLevel=")) {
                level = arg.substring("-XX:TieredStopAtLevel=".length());
            }
        }
        return level != null && !level.equals("4") ? "this JVM runs without the C2 JIT (-XX:TieredStopAtLevel=" + level
                + "): CPU figures are pessimistic; rerun with BACKPLANE_JVM_OPTS=-XX:TieredStopAtLevel=4" : null;
    }

    private static void print(PrintWriter out, Report r) {
        out.printf("%s (%s)%n", r.op(), r.unit());
        r.backends().forEach(b -> out.println("  " + b));
        out.printf("  %9s  %-12s %12s %14s %8s %7s%n", "batch", "backend", "median ms", "items/s", "vs cpu", "xfer %");
        for (Row row : r.rows()) {
            out.printf("  %9d  %-12s %12.3f %14.0f %8s %7s%n", row.batch(), row.backend(), row.medianMillis(), row.itemsPerSecond(),
                    row.ratioToCpu() == null ? "-" : String.format("%.2fx", row.ratioToCpu()),
                    row.transferShare() == null ? "-" : String.format("%.1f", 100 * row.transferShare()));
        }
        if (r.note() != null) {
            out.println("  " + r.note());
        }
        out.println();
    }

    /** The built-in suites: one accelerated operation on the CPU and on the selected device. */
    static final class AccelSuite implements Suite {
        private final AccelBenchmark.Op op;

        AccelSuite(AccelBenchmark.Op op) {
            this.op = op;
        }

        @Override
        public String unit() {
            return op.unit();
        }

        @Override
        public Report run(Settings s) {
            List<AccelBackend> backends = new ArrayList<>();
            CpuBackend cpu = new CpuBackend();
            backends.add(cpu);
            List<String> notes = new ArrayList<>();
            AccelOp<?, ?> engineOp = AccelOp.all().stream().filter(o -> o.name().equals(op.name())).findFirst().orElse(null);
            for (AccelBackend d : s.devices().get()) {
                if (engineOp == null || d.supports(engineOp)) {
                    backends.add(d);
                } else {
                    notes.add(label(d) + " has no kernel for " + op.name() + " yet: the engine runs it on the CPU");
                }
            }
            List<Row> rows = new ArrayList<>();
            List<AccelBenchmark.Point> cpuPoints = new ArrayList<>();
            Map<AccelBackend, List<AccelBenchmark.Point>> devPoints = new LinkedHashMap<>();
            Map<AccelBackend, AccelBenchmark.Point> last = new LinkedHashMap<>();
            Map<String, List<String>> baselineRatios = new LinkedHashMap<>();
            Map<String, AccelBenchmark.Point> lastBaseline = new LinkedHashMap<>();
            long minNanos = s.minTimeMillis() * 1_000_000L;
            Integer cappedAt = null;
            sizes:
            for (int batch : AccelBenchmark.sizesUpTo(op, s.maxBatch())) {
                // A point costs a warm-up call plus at least one measured call (three when calls are short): skip it,
                // and every larger size, when the last point of any backend says that would exceed the cap.
                for (AccelBackend b : backends) {
                    AccelBenchmark.Point p = last.get(b);
                    if (p != null && estimateMillis(p, batch) > s.maxPointMillis()) {
                        cappedAt = batch;
                        break sizes;
                    }
                }
                for (AccelBenchmark.Point p : lastBaseline.values()) {
                    if (estimateMillis(p, batch) > s.maxPointMillis()) {
                        cappedAt = batch;
                        break sizes;
                    }
                }
                Object input = op.input().apply(batch);
                AccelBenchmark.Point c = null;
                for (AccelBackend b : backends) {
                    s.progress().printf("bench: %s batch %d on %s...%n", op.name(), batch, label(b));
                    s.progress().flush();
                    AccelBenchmark.Point prev = last.get(b);
                    int minIterations = prev != null && prev.medianMillis() * batch / prev.batch() > 1000 ? 1 : 3;
                    DeviceTimingProbe probe = new DeviceTimingProbe(b);
                    AccelBenchmark.Point p = AccelBenchmark.measure(op, b, batch, input, minIterations, 10_000, minNanos, System::nanoTime);
                    last.put(b, p);
                    if (b == cpu) {
                        c = p;
                        cpuPoints.add(p);
                    } else {
                        devPoints.computeIfAbsent(b, k -> new ArrayList<>()).add(p);
                    }
                    rows.add(new Row(label(b), batch, p.iterations(), p.medianMillis(), p.itemsPerSecond(),
                            c == null ? null : p.itemsPerSecond() / c.itemsPerSecond(), probe.transferShare()));
                }
                for (AccelBenchmark.Baseline base : op.baselines()) {
                    // Measured against the CPU path again, call for call alternately, so the ratio is not the load of
                    // the moment: the cpu row above stays as it is, the ratio comes from this pair.
                    s.progress().printf("bench: %s batch %d on %s, alternating with cpu...%n", op.name(), batch, base.name());
                    s.progress().flush();
                    AccelBenchmark.Point prev = lastBaseline.get(base.name());
                    int minIterations = prev != null && prev.medianMillis() * batch / prev.batch() > 1000 ? 1 : 3;
                    AccelBenchmark.Point[] pair = AccelBenchmark.measurePair(op, cpu, op.as(base), cpu, batch, input,
                            minIterations, 10_000, minNanos, System::nanoTime);
                    AccelBenchmark.Point p = pair[1];
                    lastBaseline.put(base.name(), p);
                    double ratio = p.itemsPerSecond() / pair[0].itemsPerSecond();
                    rows.add(new Row(base.name(), batch, p.iterations(), p.medianMillis(), p.itemsPerSecond(), ratio, null));
                    baselineRatios.computeIfAbsent(base.name(), k -> new ArrayList<>()).add(String.format("%d: %.2fx", batch, 1 / ratio));
                }
            }
            for (AccelBenchmark.Baseline base : op.baselines()) {
                notes.add(base.name() + " = " + base.description() + "; cpu over " + base.name()
                        + " (alternating calls, medians) by batch: "
                        + String.join(", ", baselineRatios.getOrDefault(base.name(), List.of())));
            }
            Map<String, Integer> crossovers = new LinkedHashMap<>();
            for (Map.Entry<AccelBackend, List<AccelBenchmark.Point>> e : devPoints.entrySet()) {
                int x = AccelBenchmark.crossover(cpuPoints, e.getValue());
                crossovers.put(label(e.getKey()), x < 0 ? null : x);
                notes.add("crossover " + label(e.getKey()) + ": " + (x < 0 ? "none, the CPU is faster at every measured batch size"
                        : "the device is at least as fast from batch " + x));
            }
            if (cappedAt != null) {
                notes.add("batch sizes from " + cappedAt + " up were skipped: a point would take more than --max-point-ms "
                        + s.maxPointMillis() + " ms on at least one backend");
            }
            if (backends.size() == 1 && notes.size() == op.baselines().size()) {
                notes.add("no OpenCL device selected or found: CPU only");
            }
            String note = String.join("; ", notes);
            Integer first = crossovers.isEmpty() ? null : crossovers.values().iterator().next();
            return new Report(op.name(), op.unit(), backends.stream().map(b -> label(b) + " = " + b.describe()).toList(),
                    rows, first, crossovers, note);
        }

        /** Warm-up plus the measured calls, scaled linearly from the last measured point. */
        private static double estimateMillis(AccelBenchmark.Point last, int batch) {
            double perCall = last.medianMillis() * batch / last.batch();
            return perCall * (perCall > 1000 ? 2 : 4);
        }
    }

    /** The transfer share of the device time while one point is measured (null for the CPU). */
    private static final class DeviceTimingProbe {
        private final io.backplane.accel.opencl.DeviceTiming timing;

        DeviceTimingProbe(AccelBackend b) {
            timing = b instanceof OpenClBackend o ? o.timing() : null;
            if (timing != null) {
                timing.reset();
            }
        }

        Double transferShare() {
            if (timing == null) {
                return null;
            }
            double share = timing.transferShare();
            return Double.isNaN(share) ? null : share;
        }
    }

    /**
     * {@code hsm-ecdsa} and {@code hsm-bls-sign} (issue 4): signatures per second and median latency through the
     * guarded signer against the bare path (SunPKCS11 ECDSA, blst), on a fresh SoftHSM token in the process's scratch
     * directory {@code <home>/tmp/run-<pid>/bench-softhsm-<n>} (or the SoftHSM setup this process already uses) and a
     * throw-away keystore beside it; nothing stays in the home. Each path runs for {@code --min-time-ms} (any value:
     * at least 10 timed signatures after 20 warm-up ones).
     */
    static final class HsmSuite implements Suite {
        private final String op;

        HsmSuite(String op) {
            this.op = op;
        }

        @Override
        public String unit() {
            return "signatures (batch = 1 request)";
        }

        @Override
        public Report run(Settings s) throws IOException {
            // Everything lives in the process's scratch directory (<home>/tmp/run-<pid>), removed on exit, Ctrl-C
            // included: the throw-away keystore (removed after the suite) and the SoftHSM setup with its tokens.
            Path scratch = Path.of(System.getProperty("java.io.tmpdir"));
            Path work = Files.createTempDirectory(scratch, "hsm-keystore-");
            Duration perPath = Duration.ofMillis(s.minTimeMillis());
            // SoftHSM reads its config once per process: if this process already chose one (a test JVM, a node, an
            // earlier HSM suite of this run), the bench token goes there, under its own fresh label.
            Path chosen = io.backplane.hsm.pkcs11.ProcessEnv.chosenSoftHsmConfig();
            Path softHsmDir = chosen != null ? chosen.getParent() : Files.createTempDirectory(scratch, "bench-softhsm-");
            s.progress().printf("bench: %s, %d ms per path, SoftHSM under %s...%n", op, perPath.toMillis(), softHsmDir);
            s.progress().flush();
            List<HsmBenchmark.Row> hsm;
            try {
                hsm = HsmBenchmark.run(softHsmDir, work, List.of(op), perPath);
            } finally {
                deleteTree(work);
            }
            List<Row> rows = hsm.stream().map(r -> new Row(r.path(), 1, (int) Math.min(Integer.MAX_VALUE, r.operations()),
                    r.medianMicros() / 1000, r.opsPerSecond(), r.ratio())).toList();
            HsmBenchmark.Row bare = hsm.get(0);
            HsmBenchmark.Row guarded = hsm.get(hsm.size() - 1);
            String note = String.format("'vs cpu' is throughput relative to %s; the guarded path (guard check, one fsynced "
                    + "guard record carrying the audit entry, token anchor, signing) runs at %.3f of it, %.2fx the median latency (%.1f µs vs %.1f µs); guarded p99 %.1f µs",
                    bare.path(), guarded.ratio(), guarded.medianMicros() / bare.medianMicros(), guarded.medianMicros(), bare.medianMicros(),
                    guarded.p99Micros());
            return new Report(op, unit(), hsm.stream().map(HsmBenchmark.Row::path).toList(), rows, null, Map.of(), note);
        }

        private static void deleteTree(Path dir) throws IOException {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
