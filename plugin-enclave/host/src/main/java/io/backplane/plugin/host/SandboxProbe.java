package io.backplane.plugin.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds out once whether bubblewrap can start an enclave here with every wall in force, and which walls failed (in the
 * manner of Netty's {@code Epoll.unavailabilityCause()}): a missing or broken bubblewrap degrades with a precise cause,
 * never an exception at class loading. The probe runs a real enclave-shaped sandbox (the same wrapper, uid drop,
 * process limit, seccomp program, capability drop, user namespace and sized tmpfs the launcher uses) and reads the
 * walls back from {@code /proc/self/status} inside it, so "in force" is measured, not assumed.
 */
public final class SandboxProbe {
    /** One wall of the enclave and whether the probe saw it in force. */
    public record Wall(String name, boolean inForce, String detail) {
    }

    /**
     * What the probe found: {@code available} (every wall in force), or the reason it is not; the walls one by one;
     * whether the host is root (enclaves then drop to their own uid through {@code setpriv}) and the tools found.
     */
    public record Availability(boolean available, String bwrapPath, String cause, List<Wall> walls, boolean rootHost,
                               String setprivPath, Path seccompProgram) {
        public Availability(boolean available, String bwrapPath, String cause) {
            this(available, bwrapPath, cause, List.of(), false, "", null);
        }

        public static Availability unavailable(String cause) {
            return new Availability(false, "", cause);
        }
    }

    /** The tmpfs size and process limit the probe asks for (the launcher's are set per enclave). */
    private static final int PROBE_TMPFS_BYTES = 1 << 20;
    private static final int PROBE_NPROC = 16;

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

    /** Probes one bwrap binary with every wall of the enclave. */
    public static Availability probe(Path bwrap) {
        if (bwrap == null || !Files.isExecutable(bwrap)) {
            return Availability.unavailable("bubblewrap (bwrap) is not installed or not executable");
        }
        boolean root = EnclaveLauncher.currentUid() == 0;
        Path setpriv = Files.isExecutable(Path.of("/usr/bin/setpriv")) ? Path.of("/usr/bin/setpriv") : null;
        if (root && setpriv == null) {
            return new Availability(false, bwrap.toString(), "running as root, and setpriv (util-linux) is missing: an enclave would keep "
                    + "uid 0 outside its user namespace and escape the process limit", List.of(), true, "", null);
        }
        if (!SeccompFilter.supported()) {
            return new Availability(false, bwrap.toString(), "no seccomp program for " + System.getProperty("os.arch") + " (x86_64 only)",
                    List.of(new Wall("seccomp", false, "unsupported architecture")), root, setpriv == null ? "" : setpriv.toString(), null);
        }
        Path program;
        try {
            program = seccompProgramFile();
        } catch (IOException e) {
            return Availability.unavailable("cannot write the seccomp program: " + e.getMessage());
        }
        Path status = Files.isExecutable(Path.of("/usr/bin/cat")) ? Path.of("/usr/bin/cat") : Path.of("/bin/cat");
        List<String> cmd = new ArrayList<>(EnclaveLauncher.wrapper(program));
        cmd.addAll(List.of(EnclaveLauncher.prlimitPath(), "--nproc=" + EnclaveLauncher.nprocLimit(PROBE_NPROC, root), "--"));
        if (root) {
            cmd.addAll(EnclaveLauncher.dropUid(setpriv.toString(), EnclaveLauncher.PROBE_UID));
        }
        cmd.add(bwrap.toString());
        cmd.addAll(EnclaveLauncher.walls());
        cmd.addAll(List.of("--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--size", String.valueOf(PROBE_TMPFS_BYTES),
                "--tmpfs", "/tmp", "--remount-ro", "/", "--", status.toString(), "/proc/self/status", "/proc/self/uid_map"));
        String out;
        int rc;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(new java.io.File("/"));
            pb.environment().clear();
            Process p = pb.start();
            out = new String(p.getInputStream().readNBytes(16_000), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Availability.unavailable("bwrap did not finish a trivial sandbox in 10 s");
            }
            rc = p.exitValue();
        } catch (IOException e) {
            return Availability.unavailable("cannot run bwrap: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Availability.unavailable("interrupted while probing bwrap");
        }
        String sp = setpriv == null ? "" : setpriv.toString();
        if (rc != 0) {
            return new Availability(false, bwrap.toString(), "bwrap cannot start a sandbox with every wall here (exit " + rc + "): "
                    + out.lines().limit(5).reduce((a, b) -> a + " | " + b).orElse(""), List.of(), root, sp, program);
        }
        List<Wall> walls = new ArrayList<>();
        String uidMap = out.lines().filter(l -> l.trim().matches("\\d+\\s+\\d+\\s+\\d+")).findFirst().orElse("").trim();
        String uid = field(out, "Uid:");
        walls.add(new Wall("user namespace", !uidMap.isEmpty() && !uidMap.matches("0\\s+0\\s+4294967295"),
                "uid_map " + uidMap.replaceAll("\\s+", " ") + "; further namespaces disabled"));
        walls.add(new Wall("unprivileged uid", !uid.startsWith("0"), root ? "setpriv to a uid of its own per enclave (" + uid.split("\\s+")[0] + " in the probe)"
                : "the node's own uid (" + uid.split("\\s+")[0] + "); not root"));
        String capEff = field(out, "CapEff:");
        String capBnd = field(out, "CapBnd:");
        walls.add(new Wall("capabilities", capEff.matches("0+") && capBnd.matches("0+"), "CapEff " + capEff + " CapBnd " + capBnd));
        walls.add(new Wall("no-new-privileges", field(out, "NoNewPrivs:").equals("1"), "NoNewPrivs " + field(out, "NoNewPrivs:")));
        walls.add(new Wall("seccomp", field(out, "Seccomp:").equals("2"), "allowlist of " + SeccompFilter.ALLOWED_X86_64.size()
                + " system calls, no fork (Seccomp " + field(out, "Seccomp:") + ")"));
        walls.add(new Wall("process limit", true, "RLIMIT_NPROC per enclave" + (root ? " in its own uid" : " over the node's uid (not root)")));
        walls.add(new Wall("tmpfs size", true, "bwrap --size on /tmp; / and /dev read-only"));
        List<String> missing = walls.stream().filter(w -> !w.inForce()).map(w -> w.name() + " (" + w.detail() + ")").toList();
        return new Availability(missing.isEmpty(), bwrap.toString(), missing.isEmpty() ? "" : "walls not in force: " + String.join(", ", missing),
                List.copyOf(walls), root, sp, program);
    }

    private static String field(String status, String name) {
        return status.lines().filter(l -> l.startsWith(name)).map(l -> l.substring(name.length()).trim()).findFirst().orElse("?");
    }

    /**
     * The seccomp program as a file named by the user and its digest under {@code java.io.tmpdir}: written once (temp
     * file, atomic rename) and shared by that user's hosts; its content never changes under a name.
     */
    static Path seccompProgramFile() throws IOException {
        byte[] prog = SeccompFilter.program();
        String name;
        try {
            name = "backplane-seccomp-" + EnclaveLauncher.currentUid() + "-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(prog), 0, 8) + ".bpf";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path file = Path.of(System.getProperty("java.io.tmpdir"), name);
        if (Files.isRegularFile(file) && java.util.Arrays.equals(Files.readAllBytes(file), prog)) {
            return file;
        }
        Path tmp = Files.createTempFile(file.getParent(), name, ".tmp");
        Files.write(tmp, prog);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return file;
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
