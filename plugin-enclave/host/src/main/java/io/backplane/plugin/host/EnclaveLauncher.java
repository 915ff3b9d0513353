package io.backplane.plugin.host;

import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.runtime.EnclaveMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds the command line of an enclave: {@code prlimit} (address space, CPU time) around {@code bwrap} (every
 * namespace unshared, so no network; read-only binds of the system libraries, the JDK, the runtime and the plugin jar
 * only; an empty private {@code /tmp}; no node data or keys; {@code --die-with-parent}; {@code --new-session}) around
 * the JDK's {@code java} with a capped heap. The JVM's own messages (out-of-memory, crashes) go to stderr, never into
 * the framed channel on stdout. In the weak mode (no namespaces, allowed by the operator) the same JVM
 * runs under {@code prlimit} only.
 */
public final class EnclaveLauncher {
    static final String JDK_IN = "/enclave/jdk";
    static final String CP_IN = "/enclave/cp";
    static final String PLUGIN_IN = "/enclave/plugin.jar";

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

    /** The exact argument vector that starts an enclave for {@code pluginJar}. */
    public List<String> command(Path pluginJar, String entryClass, List<PluginKind> kinds) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Files.isExecutable(Path.of("/usr/bin/prlimit")) ? "/usr/bin/prlimit" : "prlimit");
        cmd.add("--as=" + (long) settings.addressSpaceMb() * 1024 * 1024);
        cmd.add("--cpu=" + settings.cpuSeconds());
        cmd.add("--");
        String java;
        List<String> cp = new ArrayList<>();
        if (sandbox.available()) {
            cmd.add(sandbox.bwrapPath());
            cmd.addAll(List.of("--unshare-all", "--die-with-parent", "--new-session", "--clearenv"));
            bindSystemLibraries(cmd);
            cmd.addAll(List.of("--ro-bind", javaHome.toString(), JDK_IN));
            for (int i = 0; i < trustedClassPath.size(); i++) {
                String inside = CP_IN + "/" + i + (Files.isDirectory(trustedClassPath.get(i)) ? "" : ".jar");
                cmd.addAll(List.of("--ro-bind", trustedClassPath.get(i).toString(), inside));
                cp.add(inside);
            }
            cmd.addAll(List.of("--ro-bind", pluginJar.toAbsolutePath().toString(), PLUGIN_IN));
            cp.add(PLUGIN_IN);
            cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp",
                    "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8", "--"));
            java = JDK_IN + "/bin/java";
        } else {
            trustedClassPath.forEach(p -> cp.add(p.toString()));
            cp.add(pluginJar.toAbsolutePath().toString());
            java = javaHome.resolve("bin/java").toString();
        }
        cmd.add(java);
        cmd.addAll(List.of("-Xmx" + settings.heapMb() + "m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:ReservedCodeCacheSize=32m", "-XX:CompressedClassSpaceSize=32m", "-XX:MaxMetaspaceSize=64m",
                "-XX:ActiveProcessorCount=1", "-XX:+ExitOnOutOfMemoryError", "-XX:+DisplayVMOutputToStderr", "-XX:-UsePerfData", "-Xshare:auto",
                "-Djava.io.tmpdir=/tmp", "-cp", String.join(":", cp), EnclaveMain.class.getName(), entryClass,
                kinds.stream().map(PluginKind::wireName).collect(Collectors.joining(","))));
        return cmd;
    }

    /** {@code /usr/lib} and friends, read-only; merged-/usr symlinks are recreated as symlinks. No {@code /usr/bin}: nothing to exec. */
    private static void bindSystemLibraries(List<String> cmd) {
        for (String dir : List.of("/usr/lib", "/usr/lib64", "/usr/lib32")) {
            if (Files.isDirectory(Path.of(dir))) {
                cmd.addAll(List.of("--ro-bind", dir, dir));
            }
        }
        for (String dir : List.of("/lib", "/lib64", "/lib32")) {
            Path p = Path.of(dir);
            if (Files.isSymbolicLink(p)) {
                try {
                    cmd.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), dir));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot read the link " + dir, e);
                }
            } else if (Files.isDirectory(p)) {
                cmd.addAll(List.of("--ro-bind", dir, dir));
            }
        }
    }
}
