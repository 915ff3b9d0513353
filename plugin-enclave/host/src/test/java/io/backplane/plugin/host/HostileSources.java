package io.backplane.plugin.host;

import java.util.Map;

/**
 * Sources of hostile plugins, compiled into real jars by {@link TestJars} during the tests. Each is a leader-election
 * plugin whose {@code schedule} does its mischief and reports what it managed by throwing
 * {@code IllegalStateException("RESULT ...")}, which the host turns into a plugin error carrying that text.
 */
final class HostileSources {
    private HostileSources() {
    }

    private static String plugin(String name, String imports, String body) {
        return """
                package hostile;
                import io.backplane.plugin.api.*;
                %s
                public final class %s implements LeaderElection {
                    @Override
                    public LeaderSchedule schedule(LeaderElectionInput in) {
                        StringBuilder result = new StringBuilder("RESULT");
                        %s
                    }
                }
                """.formatted(imports, name, body);
    }

    static Map<String, String> socket(int port) {
        return Map.of("hostile.Socket", plugin("Socket", "", """
                try (java.net.Socket s = new java.net.Socket()) {
                    s.connect(new java.net.InetSocketAddress("127.0.0.1", %d), 1000);
                    s.getOutputStream().write("escaped".getBytes());
                    result.append(" CONNECTED");
                } catch (Exception e) {
                    result.append(" connect failed: ").append(e);
                }
                throw new IllegalStateException(result.toString());
                """.formatted(port)));
    }

    static Map<String, String> read(String keyFile) {
        return Map.of("hostile.Read", plugin("Read", "", """
                for (String f : new String[] {"/etc/passwd", "%s"}) {
                    try {
                        result.append(" READ ").append(f).append(": ").append(new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(f))));
                    } catch (Exception e) {
                        result.append(" read failed: ").append(e);
                    }
                }
                throw new IllegalStateException(result.toString());
                """.formatted(keyFile)));
    }

    static Map<String, String> write(String hostFile) {
        return Map.of("hostile.Write", plugin("Write", "", """
                for (String f : new String[] {"%s", "/enclave/plugin.jar", "/usr/lib/pwned"}) {
                    try (java.io.FileOutputStream out = new java.io.FileOutputStream(f)) {
                        out.write("pwned".getBytes());
                        result.append(" WROTE ").append(f);
                    } catch (Exception e) {
                        result.append(" write failed: ").append(e);
                    }
                }
                throw new IllegalStateException(result.toString());
                """.formatted(hostFile)));
    }

    static Map<String, String> fork(String hostFile) {
        return Map.of("hostile.Fork", plugin("Fork", "", """
                try {
                    Process p = new ProcessBuilder("/bin/sh", "-c", "echo pwned > %s").start();
                    result.append(" FORKED exit ").append(p.waitFor());
                } catch (Exception e) {
                    result.append(" fork failed: ").append(e);
                }
                throw new IllegalStateException(result.toString());
                """.formatted(hostFile)));
    }

    static Map<String, String> allocate() {
        return Map.of("hostile.Allocate", plugin("Allocate", "", """
                java.util.List<long[]> hoard = new java.util.ArrayList<>();
                while (true) {
                    hoard.add(new long[1 << 20]);
                }
                """));
    }

    static Map<String, String> spin() {
        return Map.of("hostile.Spin", plugin("Spin", "", """
                long x = 0;
                while (x >= 0) {
                    x = (x + 1) & 0x7fffffffffffffffL;
                }
                throw new IllegalStateException(result.append(x).toString());
                """));
    }

    static Map<String, String> exit() {
        return Map.of("hostile.Exit", plugin("Exit", "", """
                System.exit(0);
                return null;
                """));
    }

    static Map<String, String> garbage() {
        return Map.of("hostile.Garbage", plugin("Garbage", "", """
                try {
                    java.io.FileOutputStream out = new java.io.FileOutputStream(java.io.FileDescriptor.out);
                    out.write("HTTP/1.1 200 OK\\r\\nyou have been pwned\\r\\n\\r\\n".getBytes());
                    out.flush();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                return new LeaderSchedule(java.util.Collections.nCopies(in.windowLength(), in.validators().get(0).id()));
                """));
    }

    static Map<String, String> random() {
        return Map.of("hostile.RandomAnswers", plugin("RandomAnswers", "", """
                java.util.Random r = new java.util.Random(System.nanoTime());
                java.util.List<String> leaders = new java.util.ArrayList<>();
                for (int i = 0; i < in.windowLength(); i++) {
                    leaders.add(in.validators().get(r.nextInt(in.validators().size())).id());
                }
                return new LeaderSchedule(leaders);
                """));
    }

    static Map<String, String> sleep() {
        return Map.of("hostile.Sleep", plugin("Sleep", "", """
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    result.append(" interrupted");
                }
                throw new IllegalStateException(result.toString());
                """));
    }

    /** Answers round-robin, except that a window of 13 rounds makes it allocate without bound (and die). */
    static Map<String, String> flaky() {
        return Map.of("hostile.Flaky", plugin("Flaky", "", """
                if (in.windowLength() == 13) {
                    java.util.List<long[]> hoard = new java.util.ArrayList<>();
                    while (true) {
                        hoard.add(new long[1 << 20]);
                    }
                }
                java.util.List<String> leaders = new java.util.ArrayList<>();
                for (int i = 0; i < in.windowLength(); i++) {
                    leaders.add(in.validators().get((int) ((in.firstRound() + i) % in.validators().size())).id());
                }
                return new LeaderSchedule(leaders);
                """));
    }

    // ---- issue 11: what got past the denylist scan and the first sandbox ----

    /** Reads bubblewrap's environment (PID 1 inside), its own, bwrap's argv, and its uid map and capabilities. */
    static Map<String, String> environ() {
        return Map.of("hostile.Environ", plugin("Environ", "", """
                for (String f : new String[] {"/proc/1/environ", "/proc/self/environ"}) {
                    try {
                        result.append(" ENV ").append(f).append("=[").append(new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(f))).replace('\\0', ' ')).append("]");
                    } catch (Exception e) {
                        result.append(" env failed: ").append(e);
                    }
                }
                try {
                    for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                        if (l.startsWith("Cap") || l.startsWith("NoNewPrivs") || l.startsWith("Seccomp:") || l.startsWith("Uid")) {
                            result.append(" ").append(l.replace('\\t', ' '));
                        }
                    }
                    result.append(" uid_map ").append(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/uid_map")).trim().replaceAll("\\s+", " "));
                } catch (Exception e) {
                    result.append(" status failed: ").append(e);
                }
                throw new IllegalStateException(result.toString());
                """));
    }

    /**
     * System calls through the foreign-function API (compiled for release 25): a bind remount, fork, unshare of a user
     * namespace, an INET socket, ptrace. Each result is the call's return value (-1: refused).
     */
    static Map<String, String> syscalls() {
        return Map.of("hostile.Syscalls", plugin("Syscalls", "import java.lang.foreign.*; import java.lang.invoke.MethodHandle;", """
                try {
                    Linker l = Linker.nativeLinker();
                    SymbolLookup c = l.defaultLookup();
                    try (Arena a = Arena.ofConfined()) {
                        MethodHandle mount = l.downcallHandle(c.find("mount").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
                        int m = (int) mount.invokeExact(a.allocateFrom("none"), a.allocateFrom("/enclave"), MemorySegment.NULL, 32L | 4096L, MemorySegment.NULL);
                        result.append(" mount=").append(m);
                        MethodHandle fork = l.downcallHandle(c.find("fork").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
                        MethodHandle exit = l.downcallHandle(c.find("_exit").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
                        int f = (int) fork.invokeExact();
                        if (f == 0) {
                            exit.invokeExact(0);
                        }
                        result.append(" fork=").append(f > 0 ? "FORKED" : String.valueOf(f));
                        MethodHandle unshare = l.downcallHandle(c.find("unshare").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                        result.append(" unshare=").append((int) unshare.invokeExact(0x10000000));
                        MethodHandle socket = l.downcallHandle(c.find("socket").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                        result.append(" socket=").append((int) socket.invokeExact(2, 1, 0));
                        MethodHandle ptrace = l.downcallHandle(c.find("ptrace").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                        result.append(" ptrace=").append((long) ptrace.invokeExact(16L, 1, MemorySegment.NULL, MemorySegment.NULL));
                    }
                } catch (Throwable t) {
                    result.append(" native failed: ").append(t);
                }
                throw new IllegalStateException(result.toString());
                """));
    }

    /** A child JVM (the one executable it could find), and a look at what is bound. */
    static Map<String, String> childJvm() {
        return Map.of("hostile.ChildJvm", plugin("ChildJvm", "", """
                try {
                    Process p = new ProcessBuilder("/enclave/jdk/bin/java", "-version").start();
                    result.append(" SPAWNED exit ").append(p.waitFor());
                } catch (Exception e) {
                    result.append(" spawn failed: ").append(e);
                }
                for (String d : new String[] {"/enclave/jdk/bin", "/enclave/jdk/lib", "/usr/lib/jvm", "/usr/bin", "/usr/lib/git-core", "/etc"}) {
                    try (var s = java.nio.file.Files.list(java.nio.file.Path.of(d))) {
                        result.append(" LS ").append(d).append("=").append(s.map(x -> x.getFileName().toString()).sorted().toList());
                    } catch (Exception e) {
                        result.append(" ls ").append(d).append(" failed");
                    }
                }
                throw new IllegalStateException(result.toString());
                """));
    }

    /** Fills /tmp (and tries the root and /dev/shm), reporting the bytes that went in. */
    static Map<String, String> fillTmp() {
        return Map.of("hostile.FillTmp", plugin("FillTmp", "", """
                for (String f : new String[] {"/tmp/fill", "/fill", "/dev/shm/fill"}) {
                    long n = 0;
                    try (java.io.FileOutputStream out = new java.io.FileOutputStream(f)) {
                        byte[] mb = new byte[1 << 20];
                        for (int i = 0; i < 4096; i++) {
                            out.write(mb);
                            n += mb.length;
                        }
                        result.append(" FILLED ").append(f).append(" ").append(n);
                    } catch (Exception e) {
                        result.append(" ").append(f).append(" stopped at ").append(n).append(": ").append(e.getMessage());
                    }
                }
                throw new IllegalStateException(result.toString());
                """));
    }

    /**
     * Passes the scan (no catch of the error): a {@code finally} that throws replaces the {@code StackOverflowError},
     * and its message carries the depth the stack reached, which differs from JVM to JVM.
     */
    static Map<String, String> finallyDepth() {
        return Map.of("hostile.FinallyDepth", plugin("FinallyDepth", "", """
                final class Down {
                    int d;
                    void down() {
                        d++;
                        down();
                    }
                }
                Down r = new Down();
                try {
                    r.down();
                } finally {
                    throw new IllegalStateException(result.append(" depth=").append(r.d).toString());
                }
                """));
    }

    /**
     * Opens pipes until the descriptor limit and fills each (non-blocking): pipe buffers are kernel memory that no
     * address-space limit counts. Reports the pipes and the bytes held in them.
     */
    static Map<String, String> pipes() {
        return Map.of("hostile.Pipes", plugin("Pipes", "import java.lang.foreign.*; import java.lang.invoke.MethodHandle;", """
                long pipes = 0;
                long held = 0;
                try {
                    Linker l = Linker.nativeLinker();
                    SymbolLookup c = l.defaultLookup();
                    MethodHandle pipe2 = l.downcallHandle(c.find("pipe2").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                    MethodHandle write = l.downcallHandle(c.find("write").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
                        MemorySegment buf = a.allocate(1 << 16);
                        while (pipes < 2048 && (int) pipe2.invokeExact(fds, 04000) == 0) {
                            pipes++;
                            int sink = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
                            long w;
                            while ((w = (long) write.invokeExact(sink, buf, 1L << 16)) > 0) {
                                held += w;
                            }
                        }
                    }
                } catch (Throwable t) {
                    result.append(" native failed: ").append(t);
                }
                result.append(" PIPES ").append(pipes).append(" HELD ").append(held);
                throw new IllegalStateException(result.toString());
                """));
    }

    /**
     * Window 2: leaves four threads behind that keep counting (a millisecond nap each turn). Window 3: reports the
     * count. Window 1: starts as many threads as it can (the process limit, or the JVM dies trying).
     */
    static Map<String, String> threads() {
        return Map.of("hostile.Threads", plugin("Threads", "", """
                int want = in.windowLength() == 1 ? 1000 : in.windowLength() == 2 ? 4 : 0;
                int started = 0;
                try {
                    for (int i = 0; i < want; i++) {
                        Thread t = new Thread(() -> {
                            while (true) {
                                SPIN.incrementAndGet();
                                try {
                                    Thread.sleep(1);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        });
                        t.setDaemon(true);
                        t.start();
                        started++;
                    }
                    result.append(" STARTED ").append(want);
                } catch (Throwable e) {
                    result.append(" stopped: ").append(e);
                }
                result.append(" threads=").append(started).append(" spin=").append(SPIN.get()).append(" end");
                throw new IllegalStateException(result.toString());
                """).replace("public final class Threads implements LeaderElection {",
                "public final class Threads implements LeaderElection {\n    static final java.util.concurrent.atomic.AtomicLong SPIN = new java.util.concurrent.atomic.AtomicLong();"));
    }

    /** Writes 16 MiB to stderr without a newline, then a marker line; answers normally (passes the scan). */
    static Map<String, String> stderrFlood() {
        return Map.of("hostile.StderrFlood", plugin("StderrFlood", "", """
                StringBuilder chunk = new StringBuilder();
                for (int i = 0; i < 1 << 16; i++) {
                    chunk.append('x');
                }
                String c = chunk.toString();
                for (int i = 0; i < 256; i++) {
                    System.err.print(c);
                }
                System.err.println();
                System.err.println("END-MARK");
                java.util.List<String> leaders = new java.util.ArrayList<>();
                for (int i = 0; i < in.windowLength(); i++) {
                    leaders.add(in.validators().get(0).id());
                }
                return new LeaderSchedule(leaders);
                """));
    }

    /** Throws with a 4 MiB message (passes the scan): the node must not carry it into its log or its outcomes. */
    static Map<String, String> hugeError() {
        return Map.of("hostile.HugeError", plugin("HugeError", "", """
                throw new IllegalStateException("E".repeat(4 << 20));
                """));
    }

    /** Spins in its constructor (passes the scan): the start-up budget, not the JVM's, must cut it. */
    static Map<String, String> slowConstructor() {
        return Map.of("hostile.SlowConstructor", plugin("SlowConstructor", "", """
                return new LeaderSchedule(java.util.Collections.nCopies(in.windowLength(), in.validators().get(0).id()));
                """).replace("public final class SlowConstructor implements LeaderElection {", """
                public final class SlowConstructor implements LeaderElection {
                    public SlowConstructor() {
                        long x = 1;
                        for (long i = 0; i < 40_000_000_000L; i++) {
                            x = x * 31 + i;
                        }
                        if (x == 42) {
                            throw new IllegalStateException();
                        }
                    }
                """));
    }

    /** Reads the node's environment and host paths through the JDK's in-process compiler (javac @file). */
    static Map<String, String> tools() {
        return Map.of("hostile.Tools", plugin("Tools", "", """
                for (String f : new String[] {"@/proc/1/environ", "@/proc/self/environ"}) {
                    java.io.StringWriter out = new java.io.StringWriter();
                    try {
                        java.util.spi.ToolProvider javac = java.util.spi.ToolProvider.findFirst("javac").orElseThrow();
                        javac.run(new java.io.PrintWriter(out), new java.io.PrintWriter(out), f);
                        result.append(" JAVAC ").append(f).append(": ").append(out.toString().replace('\\n', ' '));
                    } catch (Exception e) {
                        result.append(" javac failed: ").append(e);
                    }
                }
                throw new IllegalStateException(result.toString());
                """));
    }

    /** A static call counter that answers differently every third call: only a fresh second enclave sees it. */
    static Map<String, String> counter() {
        return Map.of("hostile.Counter", plugin("Counter", "", """
                int n = ++calls;
                java.util.List<String> leaders = new java.util.ArrayList<>();
                for (int i = 0; i < in.windowLength(); i++) {
                    leaders.add(in.validators().get((n % 3 == 0 ? i + 1 : i) % in.validators().size()).id());
                }
                return new LeaderSchedule(leaders);
                """).replace("public final class Counter implements LeaderElection {", "public final class Counter implements LeaderElection {\n    private static int calls;"));
    }

    /** Always throws (passes the scan): errors count toward quarantine like crashes. */
    static Map<String, String> alwaysThrows() {
        return Map.of("hostile.AlwaysThrows", plugin("AlwaysThrows", "", """
                throw new IllegalArgumentException(result.append(" no").toString());
                """));
    }

    /**
     * The self-review's extra attacker: looks for a way out through PID 1 (bubblewrap): its open descriptors, its root
     * and working directory, the seccomp program's descriptor; reads what they point at.
     */
    static Map<String, String> procPeek() {
        return Map.of("hostile.ProcPeek", plugin("ProcPeek", "", """
                for (String f : new String[] {"/proc/1/root/etc/passwd", "/proc/1/cwd/etc/passwd", "/proc/1/root/usr/bin/bwrap"}) {
                    try {
                        int n = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(f)).length;
                        result.append(" READ ").append(f).append(" ").append(n);
                    } catch (Exception e) {
                        result.append(" ").append(f).append(" refused: ").append(e.getClass().getSimpleName());
                    }
                }
                try {
                    result.append(" PID1EXE ").append(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/1/exe")));
                    result.append(" PID1CMD ").append(new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/1/cmdline"))).replace('\\0', ' '));
                } catch (Exception e) {
                    result.append(" pid1 failed: ").append(e);
                }
                for (String d : new String[] {"/proc/1/fd", "/proc/self/fd"}) {
                    try (var s = java.nio.file.Files.list(java.nio.file.Path.of(d))) {
                        for (java.nio.file.Path p : s.toList()) {
                            String target;
                            try {
                                target = java.nio.file.Files.readSymbolicLink(p).toString();
                            } catch (Exception e) {
                                target = "?";
                            }
                            result.append(" FD ").append(p.getFileName()).append("->").append(target);
                            try (var fin = java.nio.file.Files.newInputStream(p)) {
                                byte[] b = fin.readNBytes(64);
                                result.append(" read ").append(b.length);
                            } catch (Exception e) {
                                result.append(" unreadable");
                            }
                        }
                    } catch (Exception e) {
                        result.append(" ls ").append(d).append(" failed: ").append(e.getClass().getSimpleName());
                    }
                }
                throw new IllegalStateException(result.toString());
                """));
    }

    /** Hidden-class names carry addresses that differ from JVM to JVM: a lambda's class name picks the leaders. */
    static Map<String, String> lambdaName() {
        return Map.of("hostile.LambdaName", plugin("LambdaName", "", """
                Runnable r = () -> { };
                int h = r.getClass().getName().hashCode();
                java.util.List<String> leaders = new java.util.ArrayList<>();
                for (int i = 0; i < in.windowLength(); i++) {
                    leaders.add(in.validators().get(Math.floorMod(h + i, in.validators().size())).id());
                }
                return new LeaderSchedule(leaders);
                """));
    }
}
