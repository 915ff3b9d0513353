package io.backplane.accel;

import io.backplane.accel.bench.AccelBenchmark;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Dispatch thresholds measured on this machine, for one device: per operation the smallest batch size from which the
 * device was at least as fast as the CPU at every larger measured size, or "never". They come from a measurement
 * ({@link #measure}: a short one an {@link Accelerator} can run at start, or {@link #fromCrossovers}: the last
 * {@code backplane bench}), never from a guess; {@link #thresholds()} is what {@link Accelerator.Options#withThresholds}
 * takes. Stored as a small properties file under the node home ({@link #FILE}).
 *
 * @param device     {@link AccelBackend#describe()} of the device measured; a calibration of another device is not used
 * @param measuredAt when
 * @param source     how: "startup calibration" or "backplane bench"
 * @param thresholds per operation name, the batch size from which the device is used ({@link Integer#MAX_VALUE}: never)
 */
public record Calibration(String device, Instant measuredAt, String source, Map<String, Integer> thresholds) {
    /** Where it lives, relative to the node home. */
    public static final String FILE = "accel/calibration.properties";

    public Calibration {
        thresholds = Map.copyOf(thresholds);
    }

    /**
     * From measured crossovers (null or negative: the device never caught up), for the operations the device has a
     * kernel for; the others are "never" (the engine runs them on the CPU anyway).
     */
    public static Calibration fromCrossovers(String device, Instant at, String source, Map<String, Integer> crossovers) {
        Map<String, Integer> t = new TreeMap<>();
        crossovers.forEach((op, x) -> t.put(op, x == null || x < 0 ? Integer.MAX_VALUE : x));
        return new Calibration(device, at, source, t);
    }

    /**
     * A short calibration: every benchmarked operation the device supports, CPU against device at each batch size up
     * to {@code maxBatch}, one call per point after a warm-up ({@code minNanos} per point at least); the crossover
     * becomes the threshold. About a second per operation on a GPU for maxBatch 1000; longer on PoCL.
     */
    public static Calibration measure(AccelBackend cpu, AccelBackend device, int maxBatch, long minNanos, LongSupplier clock,
                                      Instant at) {
        Map<String, Integer> crossovers = new LinkedHashMap<>();
        for (AccelBenchmark.Op op : AccelBenchmark.all()) {
            Optional<AccelOp<?, ?>> engineOp = AccelOp.all().stream().filter(o -> o.name().equals(op.name())).findFirst();
            if (engineOp.isEmpty() || !device.supports(engineOp.get())) {
                crossovers.put(op.name(), null);
                continue;
            }
            List<AccelBenchmark.Point> c = new java.util.ArrayList<>();
            List<AccelBenchmark.Point> d = new java.util.ArrayList<>();
            for (int batch : AccelBenchmark.sizesUpTo(op, maxBatch)) {
                Object input = op.input().apply(batch);
                c.add(AccelBenchmark.measure(op, cpu, batch, input, 1, 50, minNanos, clock));
                d.add(AccelBenchmark.measure(op, device, batch, input, 1, 50, minNanos, clock));
            }
            int x = AccelBenchmark.crossover(c, d);
            crossovers.put(op.name(), x < 0 ? null : x);
        }
        return fromCrossovers(device.describe(), at, "startup calibration", crossovers);
    }

    /** The thresholds if this calibration was made for {@code deviceDescription}, else empty (nothing is assumed). */
    public Optional<Map<String, Integer>> thresholdsFor(String deviceDescription) {
        return device.equals(deviceDescription) ? Optional.of(thresholds) : Optional.empty();
    }

    /** One line per operation: "ed25519-verify: from 4096" or "sha256: never". */
    public List<String> describe() {
        return new TreeMap<>(thresholds).entrySet().stream()
                .map(e -> e.getKey() + ": " + (e.getValue() == Integer.MAX_VALUE ? "never" : "from " + e.getValue())).toList();
    }

    /** Writes the file atomically (temporary file, then rename). */
    public void save(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Properties p = new Properties();
        p.setProperty("device", device);
        p.setProperty("measuredAt", measuredAt.toString());
        p.setProperty("source", source);
        thresholds.forEach((op, t) -> p.setProperty("threshold." + op, t == Integer.MAX_VALUE ? "never" : Integer.toString(t)));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "backplane accelerator calibration (dispatch thresholds measured on this machine)");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a saved calibration; empty when the file does not exist. Damage is an error naming the file and key. */
    public static Optional<Calibration> load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
            throw new IOException("calibration file " + file + ": unreadable (" + e.getMessage() + ")", e);
        }
        String device = required(p, file, "device");
        String source = required(p, file, "source");
        Instant at;
        try {
            at = Instant.parse(required(p, file, "measuredAt"));
        } catch (DateTimeParseException e) {
            throw new IOException("calibration file " + file + ": key measuredAt is not an instant: " + p.getProperty("measuredAt"), e);
        }
        Map<String, Integer> t = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("threshold.")) {
                String v = p.getProperty(k).strip();
                try {
                    int n = v.equals("never") ? Integer.MAX_VALUE : Integer.parseInt(v);
                    if (n < 1) {
                        throw new NumberFormatException("below 1");
                    }
                    t.put(k.substring("threshold.".length()), n);
                } catch (NumberFormatException e) {
                    throw new IOException("calibration file " + file + ": key " + k + " must be a batch size >= 1 or never, got '" + v + "'", e);
                }
            } else if (!List.of("device", "source", "measuredAt").contains(k)) {
                throw new IOException("calibration file " + file + ": unknown key " + k);
            }
        }
        if (t.isEmpty()) {
            throw new IOException("calibration file " + file + ": no threshold.<op> key");
        }
        return Optional.of(new Calibration(device, at, source, t));
    }

    private static String required(Properties p, Path file, String key) throws IOException {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IOException("calibration file " + file + ": key " + key + " is missing");
        }
        return v.strip();
    }
}
