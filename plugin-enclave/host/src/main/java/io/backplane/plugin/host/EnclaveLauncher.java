package io.backplane.plugin.host;

import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.runtime.EnclaveMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Builds the command line of an enclave, outside in:
 * <ol>
 * <li>{@code /bin/sh} opens the seccomp program on fd 3 and execs the rest (Java cannot pass a descriptor to a child);
 *     the whole chain starts with an <b>empty environment</b>, so bubblewrap's own {@code /proc/1/environ} is empty;</li>
 * <li>{@code prlimit}: address space, CPU seconds, processes+threads ({@code RLIMIT_NPROC}) and open descriptors
 *     ({@code RLIMIT_NOFILE}: pipe buffers are kernel memory outside the address space);</li>
 * <li>on a root host {@code setpriv} drops to a uid of the enclave's own (one per start, from {@link #UID_BASE}), so
 *     bubblewrap makes an unprivileged user namespace and the process limit counts only that enclave's tasks;</li>
 * <li>{@code bwrap}: every namespace unshared (no network), a user namespace with further ones disabled, every
 *     capability dropped, the seccomp allowlist (which also sets no-new-privileges), read-only binds of only what
 *     the JVM opens (the C libraries it links, {@code bin/java}, the JDK's {@code lib} files for {@code java.base},
 *     {@code conf}), the runtime jars and the plugin jar, a size-limited {@code /tmp}, {@code /} and {@code /dev}
 *     remounted read-only, {@code --die-with-parent}, {@code --new-session};</li>
 * <li>the JDK's {@code java} with a capped heap; its own messages (VM output and unified logging, whose warnings
 *     default to stdout) go to stderr, never into the framed channel.</li>
 * </ol>
 * In the weak mode (no bubblewrap, allowed by the operator) the same JVM runs under {@code prlimit} only.
 */
public final class EnclaveLauncher {
    static final String JDK_IN = "/enclave/jdk";
    static final String CP_IN = "/enclave/cp";
    static final String PLUGIN_IN = "/enclave/plugin.jar";
    /** First uid of the range enclaves drop to on a root host (4096 per host JVM, 4096 hosts). */
    static final int UID_BASE = 1_500_000_000;
    static final int PROBE_UID = UID_BASE - 1;
    /**
     * Open descriptors an enclave may hold ({@code RLIMIT_NOFILE}): each pipe can hold 64 KiB of kernel memory that no
     * address-space limit counts, and the JVM raises its soft limit to the host's hard one (a million on some hosts).
     */
    static final int MAX_FILES = 256;
    private static final AtomicInteger NEXT_UID = new AtomicInteger();
    /** What {@code java.base} needs from the JDK's {@code lib}; nothing that helps start a process (no jspawnhelper, jexec). */
    private static final List<String> JDK_LIB_FILES = List.of("jvm.cfg", "libjli.so", "libjava.so", "libjimage.so", "libzip.so",
            "libnio.so", "libnet.so", "libverify.so", "libsimdsort.so", "libjsvml.so", "libsyslookup.so", "modules", "tzdb.dat",
            "server/libjvm.so", "server/classes.jsa", "server/classes_nocoops.jsa", "server/classes_coh.jsa",
            "server/classes_nocoops_coh.jsa", "security");
    private static volatile List<String> systemLibraries;

    private final EnclaveSettings settings;
    private final SandboxProbe.Availability sandbox;
    private final Path javaHome;
    private final List<Path> trustedClassPath;

    public EnclaveLauncher(EnclaveSettings settings, SandboxProbe.Availability sandbox) {
        this(settings, sandbox, Path.of(System.getProperty("java.home")), EnclaveClassPath.trusted());
    }

    public EnclaveLauncher(EnclaveSettings settings, SandboxProbe.Availability sandbox, Path javaHome, List<Path> trustedClassPath) {
        this.settings = settings;
        this.sandbox = sandbox;
        this.javaHome = javaHome.toAbsolutePath();
        this.trustedClassPath = List.copyOf(trustedClassPath);
    }

    /** Whether enclaves run in namespaces ({@code true}) or in the weak, operator-allowed mode. */
    public boolean sandboxed() {
        return sandbox.available();
    }

    public Path javaHome() {
        return javaHome;
    }

    public List<Path> trustedClassPath() {
        return trustedClassPath;
    }

    /** Placeholder of the per-start uid in a {@link #command} (see {@link #instantiate}). */
    static final String UID_SLOT = "@ENCLAVE_UID@";
    /** Placeholder of the per-start process limit in a {@link #command}. */
    static final String NPROC_SLOT = "@ENCLAVE_NPROC@";

    /**
     * The argument vector that starts an enclave for {@code pluginJar}, as measured by attestation: stable, with two
     * slots filled per start by {@link #instantiate} (the enclave's own uid on a root host; the process limit, which on
     * a non-root host is over the node user's current task count).
     */
    public List<String> command(Path pluginJar, String entryClass, List<PluginKind> kinds) {
        List<String> cmd = new ArrayList<>();
        String java;
        List<String> cp = new ArrayList<>();
        if (sandbox.available()) {
            cmd.addAll(wrapper(sandbox.seccompProgram(), pluginJar.toAbsolutePath()));
            cmd.addAll(List.of(prlimitPath(), "--as=" + (long) settings.addressSpaceMb() * 1024 * 1024, "--cpu=" + settings.cpuSeconds(),
                    "--nproc=" + NPROC_SLOT, "--nofile=" + MAX_FILES, "--"));
            if (sandbox.rootHost()) {
                cmd.addAll(List.of(sandbox.setprivPath(), "--reuid=" + UID_SLOT, "--regid=" + UID_SLOT, "--clear-groups", "--inh-caps=-all", "--"));
            }
            cmd.add(sandbox.bwrapPath());
            cmd.addAll(walls());
            for (String lib : systemLibraries()) {
                cmd.addAll(List.of("--ro-bind", lib, lib));
            }
            bindJdk(cmd);
            for (int i = 0; i < trustedClassPath.size(); i++) {
                String inside = CP_IN + "/" + i + (Files.isDirectory(trustedClassPath.get(i)) ? "" : ".jar");
                cmd.addAll(List.of("--ro-bind", trustedClassPath.get(i).toString(), inside));
                cp.add(inside);
            }
            // The jar comes in on descriptor 4, opened by the wrapper before the uid drop, and is copied into the
            // sandbox read-only: the enclave's uid need not be able to reach the staging directory (a node home under
            // an owner-only /root, say).
            cmd.addAll(List.of("--ro-bind-data", "4", PLUGIN_IN));
            cp.add(PLUGIN_IN);
            cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--size", String.valueOf((long) settings.tmpfsMb() * 1024 * 1024),
                    "--tmpfs", "/tmp", "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp",
                    "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8", "--setenv", "TZ", "UTC", "--"));
            java = JDK_IN + "/bin/java";
        } else {
            cmd.addAll(List.of(prlimitPath(), "--as=" + (long) settings.addressSpaceMb() * 1024 * 1024, "--cpu=" + settings.cpuSeconds(),
                    "--nofile=" + MAX_FILES, "--"));
            trustedClassPath.forEach(p -> cp.add(p.toString()));
            cp.add(pluginJar.toAbsolutePath().toString());
            java = javaHome.resolve("bin/java").toString();
        }
        cmd.add(java);
        cmd.addAll(List.of("-Xmx" + settings.heapMb() + "m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:ReservedCodeCacheSize=32m", "-XX:CompressedClassSpaceSize=32m", "-XX:MaxMetaspaceSize=64m",
                "-XX:MaxDirectMemorySize=16m", "-XX:ActiveProcessorCount=1", "-XX:+ExitOnOutOfMemoryError",
                "-XX:+DisplayVMOutputToStderr", "-Xlog:disable", "-Xlog:all=warning:stderr", "-XX:-UsePerfData", "-Xshare:auto",
                // A StackOverflowError ends the enclave where it is thrown: the depth it occurs at differs from JVM to
                // JVM, and a finally block (a catch-any handler the scan must allow) could swallow it and report it.
                "-XX:+UnlockDiagnosticVMOptions", "-XX:AbortVMOnException=java.lang.StackOverflowError",
                "-XX:+SuppressFatalErrorMessage", "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null",
                // Ambient settings pinned, so two nodes (and two executions) see the same locale, zone and encoding.
                "-Duser.language=en", "-Duser.country=US", "-Duser.timezone=UTC", "-Dfile.encoding=UTF-8",
                "-Djava.io.tmpdir=/tmp", "-cp", String.join(":", cp), EnclaveMain.class.getName(), entryClass,
                kinds.stream().map(PluginKind::wireName).collect(Collectors.joining(","))));
        return cmd;
    }

    /** The command of one start: a fresh uid (root host) and the process limit put into the slots of {@code template}. */
    public List<String> instantiate(List<String> template) {
        String uid = String.valueOf(nextUid());
        String nproc = String.valueOf(nprocLimit(settings.maxTasks(), sandbox.rootHost()));
        return template.stream().map(a -> a.replace(UID_SLOT, uid).replace(NPROC_SLOT, nproc)).toList();
    }

    /**
     * {@code sh -c 'unset PWD OLDPWD && exec 3<"$0" && exec "$@"' PROGRAM ...}: fd 3 carries the seccomp program to
     * {@code bwrap --seccomp 3}; the shell's own {@code PWD} would otherwise reach bwrap's environment.
     */
    static List<String> wrapper(Path seccompProgram) {
        String sh = Files.isExecutable(Path.of("/bin/sh")) ? "/bin/sh" : "/usr/bin/sh";
        return List.of(sh, "-c", "unset PWD OLDPWD && exec 3<\"$0\" && exec \"$@\"", seccompProgram.toString());
    }

    /**
     * The wrapper of an enclave start: the seccomp program on descriptor 3 and the plugin jar on descriptor 4, both
     * opened here, with the host's rights, before the command that follows drops them (bubblewrap reads and closes both).
     */
    static List<String> wrapper(Path seccompProgram, Path pluginJar) {
        String sh = Files.isExecutable(Path.of("/bin/sh")) ? "/bin/sh" : "/usr/bin/sh";
        return List.of(sh, "-c", "unset PWD OLDPWD && exec 3<\"$0\" 4<\"$1\" && shift && exec \"$@\"", seccompProgram.toString(),
                pluginJar.toString());
    }

    /** The bubblewrap walls every enclave (and the probe) gets. */
    static List<String> walls() {
        // --as-pid-1: the JVM is PID 1 inside, so no bubblewrap process (its binary, argv with host paths, descriptors)
        // is reachable through /proc/1.
        return List.of("--unshare-all", "--unshare-user", "--disable-userns", "--assert-userns-disabled", "--cap-drop", "ALL",
                "--seccomp", "3", "--die-with-parent", "--new-session", "--as-pid-1", "--clearenv");
    }

    static List<String> dropUid(String setpriv, int uid) {
        return List.of(setpriv, "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--inh-caps=-all", "--");
    }

    static String prlimitPath() {
        return Files.isExecutable(Path.of("/usr/bin/prlimit")) ? "/usr/bin/prlimit" : "prlimit";
    }

    /**
     * {@code RLIMIT_NPROC} is checked against the tasks of the real uid. On a root host each enclave has a uid of its
     * own, so the budget is the limit. On a non-root host the node's uid is shared: the limit is the tasks that uid
     * runs now plus the budget, so the enclave can add at most {@code budget} (fewer if the node grows meanwhile).
     */
    static long nprocLimit(int budget, boolean root) {
        return root ? budget : tasksOfUid(currentUid()) + budget;
    }

    private static int nextUid() {
        long pid = ProcessHandle.current().pid();
        return UID_BASE + (int) ((pid % 4096) << 12) + (NEXT_UID.getAndIncrement() & 0xfff);
    }

    /** The real uid of this JVM (from {@code /proc/self}; -1 when unknown). */
    static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    /** Tasks (threads included) of the processes owned by {@code uid}, from {@code /proc}. */
    static long tasksOfUid(int uid) {
        long n = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                try {
                    if ((Integer) Files.getAttribute(p, "unix:uid") == uid) {
                        try (var tasks = Files.list(p.resolve("task"))) {
                            n += tasks.count();
                        }
                    }
                } catch (IOException | UncheckedIOException e) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot count the tasks of uid " + uid + " in /proc", e);
        }
        return n;
    }

    /** bin/java, lib files of java.base, conf and release: no other executable of the JDK. */
    private void bindJdk(List<String> cmd) {
        cmd.addAll(List.of("--ro-bind", javaHome.resolve("bin/java").toString(), JDK_IN + "/bin/java"));
        for (String f : JDK_LIB_FILES) {
            Path p = javaHome.resolve("lib").resolve(f);
            if (Files.exists(p)) {
                cmd.addAll(List.of("--ro-bind", p.toString(), JDK_IN + "/lib/" + f));
            }
        }
        for (String f : List.of("conf", "release")) {
            if (Files.exists(javaHome.resolve(f))) {
                cmd.addAll(List.of("--ro-bind", javaHome.resolve(f).toString(), JDK_IN + "/" + f));
            }
        }
    }

    /** The C libraries the JVM links (from {@code ldd} on the launcher, libjvm and the java.base natives), found once. */
    static List<String> systemLibraries() {
        List<String> libs = systemLibraries;
        if (libs == null) {
            Path home = Path.of(System.getProperty("java.home"));
            List<String> args = new ArrayList<>(List.of("/usr/bin/ldd", home.resolve("bin/java").toString()));
            for (String f : JDK_LIB_FILES) {
                if (f.endsWith(".so") && Files.exists(home.resolve("lib").resolve(f))) {
                    args.add(home.resolve("lib").resolve(f).toString());
                }
            }
            Set<String> found = new LinkedHashSet<>();
            try {
                Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(10, TimeUnit.SECONDS);
                for (String line : out.lines().toList()) {
                    String l = line.trim();
                    int arrow = l.indexOf("=> /");
                    String path = arrow >= 0 ? l.substring(arrow + 3) : l.startsWith("/") && l.contains(" (") ? l : "";
                    if (!path.isEmpty()) {
                        path = path.substring(0, path.indexOf(' ') < 0 ? path.length() : path.indexOf(' '));
                        if (!path.startsWith(home.toString()) && Files.exists(Path.of(path))) {
                            found.add(path);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the libraries the JVM needs (ldd)", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (found.isEmpty()) {
                throw new IllegalStateException("ldd found no C library for " + home.resolve("bin/java"));
            }
            libs = List.copyOf(found);
            systemLibraries = libs;
        }
        return libs;
    }
}
