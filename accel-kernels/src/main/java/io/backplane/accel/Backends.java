package io.backplane.accel;

import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.opencl.OpenClBackend;
import io.backplane.accel.opencl.OpenClDevice;
import io.backplane.accel.opencl.OpenClRuntime;
import io.backplane.accel.opencl.ProgramCache;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the {@code accel.device} setting into backends: {@code cpu} (no device), {@code auto} (a GPU if there is
 * one, else the first OpenCL device, else the CPU alone, with the reason logged), {@code opencl} (the first device,
 * required), {@code opencl:<index>} or {@code opencl:<name substring>} (that device, required). A required device
 * that is missing or fails to open is an error naming the key and listing the devices found.
 */
public final class Backends {
    public static final String KEY = "accel.device";
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /** The device {@code spec} selects among {@code handles}; empty for {@code cpu}, or {@code auto} with none. */
    public static Optional<OpenClRuntime.Handle> select(String spec, List<OpenClRuntime.Handle> handles) {
        String s = spec == null ? "" : spec.trim();
        if (s.equals("cpu")) {
            return Optional.empty();
        }
        if (s.equals("auto")) {
            return handles.stream().filter(h -> "GPU".equals(h.device().type())).findFirst()
                    .or(() -> handles.stream().findFirst());
        }
        if (s.equals("opencl")) {
            return Optional.of(handles.stream().findFirst().orElseThrow(() -> bad(s, handles)));
        }
        if (s.startsWith("opencl:") && s.length() > "opencl:".length()) {
            String sel = s.substring("opencl:".length());
            if (sel.chars().allMatch(Character::isDigit)) {
                int i = Integer.parseInt(sel);
                return Optional.of(handles.stream().filter(h -> h.device().index() == i).findFirst().orElseThrow(() -> bad(s, handles)));
            }
            String needle = sel.toLowerCase(Locale.ROOT);
            return Optional.of(handles.stream()
                    .filter(h -> h.device().name().toLowerCase(Locale.ROOT).contains(needle)
                            || h.device().vendor().toLowerCase(Locale.ROOT).contains(needle))
                    .findFirst().orElseThrow(() -> bad(s, handles)));
        }
        throw new IllegalArgumentException("config key `" + KEY + "`: must be auto, cpu, opencl or opencl:<index|name substring>, got '" + spec + "'");
    }

    /** Opens the device backend {@code spec} asks for, building its kernels through a program cache in {@code cacheDir}. */
    public static Optional<AccelBackend> openDevice(String spec, Path cacheDir) {
        boolean required = !"auto".equals(spec.trim());
        if ("cpu".equals(spec.trim())) {
            return Optional.empty();
        }
        if (!OpenClRuntime.isAvailable()) {
            String cause = OpenClRuntime.unavailabilityCause().map(Throwable::getMessage).orElse("unknown");
            if (required) {
                throw new IllegalArgumentException("config key `" + KEY + "`: '" + spec + "' needs an OpenCL device, but none is usable: " + cause);
            }
            LOG.info("accel: no OpenCL device ({}); the CPU runs everything", cause);
            return Optional.empty();
        }
        Optional<OpenClRuntime.Handle> h = select(spec, OpenClRuntime.handles());
        if (h.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OpenClBackend.open(h.get(), new ProgramCache(cacheDir)));
        } catch (RuntimeException e) {
            if (required) {
                throw new IllegalStateException("config key `" + KEY + "`: cannot open " + h.get().device().describe() + ": " + e.getMessage(), e);
            }
            LOG.warn("accel: cannot open {} ({}); the CPU runs everything", h.get().device().describe(), e.getMessage());
            return Optional.empty();
        }
    }

    /** An accelerator for {@code spec}: the CPU backend plus the selected device, if any. */
    public static Accelerator open(String spec, Path cacheDir, Accelerator.Options options) {
        return new Accelerator(new CpuBackend(), openDevice(spec, cacheDir), options);
    }

    /**
     * An accelerator for {@code spec} whose thresholds come from a measurement on this machine: the calibration in
     * {@code calibrationFile} if it was made for the same device, else (when {@code calibrateUpToBatch} > 0) a short
     * one run now over batch sizes up to that and saved there, else none (the configured thresholds and the engine's
     * rule apply). Thresholds configured in {@code options} win over calibrated ones. A damaged file is an error naming it.
     */
    public static Accelerator openCalibrated(String spec, Path cacheDir, Accelerator.Options options, Path calibrationFile,
                                             int calibrateUpToBatch) throws java.io.IOException {
        CpuBackend cpu = new CpuBackend();
        Optional<AccelBackend> device = openDevice(spec, cacheDir);
        if (device.isEmpty()) {
            return new Accelerator(cpu, device, options);
        }
        Optional<Calibration> cal;
        try {
            cal = Calibration.load(calibrationFile).filter(c -> c.thresholdsFor(device.get().describe()).isPresent());
        } catch (java.io.IOException e) {
            device.get().close();
            throw e;
        }
        if (cal.isEmpty() && calibrateUpToBatch > 0) {
            LOG.info("accel: calibrating {} against the CPU (no calibration for it in {})", device.get().describe(), calibrationFile);
            Calibration c = Calibration.measure(cpu, device.get(), calibrateUpToBatch, 20_000_000L, System::nanoTime, java.time.Instant.now());
            c.save(calibrationFile);
            cal = Optional.of(c);
        }
        java.util.Map<String, Integer> t = new java.util.HashMap<>(cal.map(Calibration::thresholds).orElse(java.util.Map.of()));
        t.putAll(options.thresholds());
        cal.ifPresent(c -> LOG.info("accel: thresholds for {} ({} at {}): {}", c.device(), c.source(), c.measuredAt(), c.describe()));
        return new Accelerator(cpu, device, options.withThresholds(t));
    }

    private static IllegalArgumentException bad(String spec, List<OpenClRuntime.Handle> handles) {
        String found = handles.isEmpty() ? "none" : handles.stream().map(OpenClRuntime.Handle::device)
                .map(OpenClDevice::describe).collect(Collectors.joining("; "));
        return new IllegalArgumentException("config key `" + KEY + "`: no OpenCL device matches '" + spec + "' (found: " + found + ")");
    }
}
