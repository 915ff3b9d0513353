package io.backplane.plugin.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds out once whether bubblewrap can create the enclave's namespaces here, and why not (in the manner of Netty's
 * {@code Epoll.unavailabilityCause()}): a missing or broken bubblewrap degrades with a precise cause, never an
 * exception at class loading.
 */
public final class SandboxProbe {
    /** What the probe found: {@code available}, or the reason it is not. */
    public record Availability(boolean available, String bwrapPath, String cause) {
        public static Availability unavailable(String cause) {
            return new Availability(false, "", cause);
        }
    }

    private static volatile Availability cached;

    private SandboxProbe() {
    }

    /** The cached result of probing {@code bwrap} on the PATH. */
    public static Availability probe() {
        Availability a = cached;
        if (a == null) {
            a = probe(findOnPath("bwrap"));
            cached = a;
        }
        return a;
    }

    /** Probes one bwrap binary by running {@code true} in fresh namespaces with no network. */
    public static Availability probe(Path bwrap) {
        if (bwrap == null || !Files.isExecutable(bwrap)) {
            return Availability.unavailable("bubblewrap (bwrap) is not installed or not executable");
        }
        Path trueBin = Files.isExecutable(Path.of("/usr/bin/true")) ? Path.of("/usr/bin/true") : Path.of("/bin/true");
        List<String> cmd = List.of(bwrap.toString(), "--unshare-all", "--die-with-parent", "--new-session",
                "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", trueBin.toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            boolean done = p.waitFor(10, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readNBytes(2000), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (!done) {
                p.destroyForcibly();
                return Availability.unavailable("bwrap did not finish a trivial sandbox in 10 s");
            }
            if (p.exitValue() != 0) {
                return Availability.unavailable("bwrap cannot create namespaces here (exit " + p.exitValue() + "): " + out);
            }
            return new Availability(true, bwrap.toString(), "");
        } catch (IOException e) {
            return Availability.unavailable("cannot run bwrap: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Availability.unavailable("interrupted while probing bwrap");
        }
    }

    static Path findOnPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
