package io.backplane.provisioning;

import io.backplane.accel.opencl.OpenClDevice;
import io.backplane.accel.opencl.OpenClRuntime;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code backplane doctor}: what this machine has for a node, each part OK or MISSING with how to fix it.
 * Exits 1 when a required part is missing; optional parts (a GPU, io_uring) only inform.
 */
@Command(name = "doctor", description = "Check this machine: JDK, SoftHSM, OpenCL, bubblewrap, epoll/io_uring.")
public final class DoctorCommand implements Callable<Integer> {
    /** Where Debian and other distributions put SoftHSM2's PKCS#11 library. */
    static final List<Path> SOFTHSM_PATHS = List.of(
            Path.of("/usr/lib/softhsm/libsofthsm2.so"),
            Path.of("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
            Path.of("/usr/lib64/pkcs11/libsofthsm2.so"),
            Path.of("/usr/local/lib/softhsm/libsofthsm2.so"));

    private static final String INSTALL = "run scripts/install-deps as root (Debian), or install the package ";

    /** One line of the report. */
    public record Check(String name, String status, boolean required, String detail, String fix) {
        static Check ok(String name, boolean required, String detail) {
            return new Check(name, "OK", required, detail, null);
        }

        static Check missing(String name, boolean required, String detail, String fix) {
            return new Check(name, "MISSING", required, detail, fix);
        }

        boolean failed() {
            return required && !"OK".equals(status);
        }
    }

    @Spec
    CommandSpec spec;

    @Mixin
    JsonOutput json;

    @Override
    public Integer call() {
        List<Check> checks = checks();
        boolean ok = checks.stream().noneMatch(Check::failed);
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("ok", ok);
            doc.put("checks", checks);
            doc.put("openclDevices", OpenClRuntime.devices());
            JsonOutput.line(out, doc);
        } else {
            for (Check c : checks) {
                out.printf("%-8s %-10s %s%s%n", c.status(), c.name(), c.detail(), c.required() ? "" : " (optional)");
                if (c.fix() != null) {
                    out.printf("%-8s %-10s fix: %s%n", "", "", c.fix());
                }
            }
            out.println(ok ? "doctor: this machine can run a Backplane node" : "doctor: required parts are missing (see fix lines)");
        }
        return ok ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    static List<Check> checks() {
        List<Check> checks = new ArrayList<>();
        checks.add(jdk());
        checks.add(softHsm());
        checks.addAll(openCl());
        checks.add(bubblewrap());
        checks.addAll(enclaveWalls());
        checks.add(nativeTransport("epoll", true, () -> io.netty.channel.epoll.Epoll.isAvailable(),
                () -> Optional.ofNullable(io.netty.channel.epoll.Epoll.unavailabilityCause())));
        checks.add(nativeTransport("io_uring", false, () -> io.netty.channel.uring.IoUring.isAvailable(),
                () -> Optional.ofNullable(io.netty.channel.uring.IoUring.unavailabilityCause())));
        return checks;
    }

    static Check jdk() {
        Runtime.Version v = Runtime.version();
        String detail = "Java " + v + " at " + System.getProperty("java.home");
        return v.feature() >= 25 ? Check.ok("jdk", true, detail)
                : Check.missing("jdk", true, detail, "install a JDK 25 at /usr/lib/jvm/temurin-25-jdk-amd64 or set BACKPLANE_JAVA_HOME");
    }

    static Check softHsm() {
        Optional<Path> lib = SOFTHSM_PATHS.stream().filter(Files::isRegularFile).findFirst();
        return lib.map(p -> Check.ok("softhsm", true, "SoftHSM2 PKCS#11 library " + p))
                .orElseGet(() -> Check.missing("softhsm", true, "no libsofthsm2.so in " + SOFTHSM_PATHS, INSTALL + "softhsm2"));
    }

    static List<Check> openCl() {
        if (!OpenClRuntime.isAvailable()) {
            String cause = OpenClRuntime.unavailabilityCause().map(Main::describe).orElse("unknown");
            return List.of(Check.missing("opencl", true, "no OpenCL device: " + cause,
                    INSTALL + "ocl-icd-libopencl1 and pocl-opencl-icd (CPU device), or a GPU vendor's OpenCL driver"));
        }
        List<Check> out = new ArrayList<>();
        List<OpenClDevice> devices = OpenClRuntime.devices();
        for (OpenClDevice d : devices) {
            out.add(Check.ok("opencl", true, d.describe()));
        }
        boolean gpu = devices.stream().anyMatch(d -> "GPU".equals(d.type()));
        out.add(gpu ? Check.ok("gpu", false, "an OpenCL GPU is present")
                : Check.missing("gpu", false, "no OpenCL GPU: kernels run on the CPU OpenCL device or the CPU path",
                "install the GPU vendor's OpenCL driver (ICD) to offload to a GPU"));
        return out;
    }

    static Check bubblewrap() {
        Optional<Path> bwrap = onPath("bwrap");
        if (bwrap.isEmpty()) {
            return Check.missing("bubblewrap", true, "bwrap not on PATH: plugins cannot be sandboxed", INSTALL + "bubblewrap");
        }
        try {
            Process p = new ProcessBuilder(bwrap.get().toString(), "--unshare-all", "--die-with-parent",
                    "--ro-bind", "/", "/", "true").redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Check.missing("bubblewrap", true, bwrap.get() + " hung creating namespaces", "check user namespaces are enabled");
            }
            return p.exitValue() == 0 ? Check.ok("bubblewrap", true, bwrap.get() + " can create namespaces (no network)")
                    : Check.missing("bubblewrap", true, bwrap.get() + " cannot create namespaces: " + output,
                    "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run as root");
        } catch (IOException e) {
            return Check.missing("bubblewrap", true, "cannot run " + bwrap.get() + ": " + e.getMessage(), INSTALL + "bubblewrap");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Check.missing("bubblewrap", true, "interrupted", "run doctor again");
        }
    }

    /**
     * One row per wall of the plugin enclave (user namespace, unprivileged uid, capabilities, no-new-privileges,
     * seccomp, process limit, tmpfs size), as the enclave host's probe measured it inside a real sandbox. Required:
     * without every wall the host refuses uploaded plugins unless {@code plugins.allowWeakSandbox}.
     */
    static List<Check> enclaveWalls() {
        io.backplane.plugin.host.SandboxProbe.Availability a = io.backplane.plugin.host.SandboxProbe.probe();
        if (a.walls().isEmpty()) {
            return List.of(Check.missing("enclave", true, "the enclave's walls cannot be raised: " + a.cause(),
                    "install bubblewrap and util-linux (setpriv, prlimit) and enable unprivileged user namespaces, or set plugins.allowWeakSandbox"));
        }
        return a.walls().stream().map(w -> w.inForce() ? Check.ok("enclave", true, w.name() + ": " + w.detail())
                : Check.missing("enclave", true, w.name() + ": " + w.detail(), "see plugin-enclave/README.md (walls); or set plugins.allowWeakSandbox")).toList();
    }

    interface Probe<T> {
        T get() throws Throwable;
    }

    static Check nativeTransport(String name, boolean required, Probe<Boolean> available, Probe<Optional<Throwable>> cause) {
        try {
            if (available.get()) {
                return Check.ok(name, required, "Netty native " + name + " transport loads");
            }
            return Check.missing(name, required, "Netty native " + name + " unavailable: " + cause.get().map(Main::describe).orElse("unknown"),
                    required ? "run on Linux x86-64 or aarch64" : "a Linux kernel with io_uring enabled (else epoll is used)");
        } catch (Throwable t) {
            return Check.missing(name, required, "Netty native " + name + " probe failed: " + Main.describe(t), "run on Linux x86-64");
        }
    }

    static Optional<Path> onPath(String exe) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, exe);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
