package io.backplane.node.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.FieldVisitor;

import org.junit.jupiter.api.Test;

/**
 * Reads the compiled consensus core's class files (ASM) and fails on a reference to a transport, device, token,
 * storage or node class (Netty, Vert.x, JOCL, PKCS#11, RocksDB, blst, accel-kernels, hsm-keystore, the plugin host),
 * or on anything non-deterministic (STYLE.md §3, §11; DESIGN.md §4 "pure"): ambient clocks and sleeps
 * ({@code java.time} as a whole), any randomness, seeded or not ({@code Random}, {@code SplittableRandom},
 * {@code SecureRandom}, {@code ThreadLocalRandom}, {@code Math.random}, random UUIDs), files and sockets
 * ({@code java.io} files and streams, {@code java.nio.file}, channels, {@code java.net}), threads, executors and
 * parallel streams, the environment and system properties, identity hash codes. The simulation module runs the same
 * scan over its own classes ({@link #scan(Path, boolean)} with {@code core = false}: seeded randomness and
 * {@code java.time} allowed, everything else the same). Maven's enforcer forbids the dependencies themselves.
 */
public class CoreLayeringTest {
    private static final List<String> FORBIDDEN_PACKAGES = List.of("io/netty/", "io/vertx/", "org/jocl/", "sun/security/pkcs11/", "iaik/pkcs/",
            "org/rocksdb/", "supranational/", "io/backplane/accel/", "io/backplane/hsm/", "io/backplane/plugin/host/");
    /** Only the core: no randomness at all (the simulation's seeded {@code Random} is fine) and no time types. */
    private static final List<String> CORE_ONLY_TYPES = List.of("java/util/Random", "java/util/SplittableRandom", "java/time/",
            "java/util/random/");
    /** Types the pure core may not name at all: a name ending in '/' is a whole package, any other one exact type (and its nested types). */
    private static final List<String> IMPURE_TYPES = List.of("java/security/SecureRandom", "java/util/concurrent/", "java/io/File",
            "java/io/FileInputStream", "java/io/FileOutputStream", "java/io/FileReader", "java/io/FileWriter", "java/io/FileDescriptor",
            "java/io/RandomAccessFile", "java/io/InputStream", "java/io/OutputStream", "java/io/Reader", "java/io/Writer",
            "java/io/InputStreamReader", "java/io/BufferedReader", "java/io/BufferedWriter", "java/nio/file/", "java/nio/channels/",
            "java/net/", "java/lang/Thread", "java/lang/ProcessBuilder", "java/lang/Runtime", "java/time/Clock", "java/util/Timer");

    static boolean names(String s, String type) {
        if (type.endsWith("/")) {
            return s.startsWith(type) || s.contains("L" + type);
        }
        return s.equals(type) || s.startsWith(type + "$") || s.contains("L" + type + ";") || s.contains("L" + type + "$");
    }
    /** Calls the pure core may not make (owner.name, prefix of owner.name+descriptor). */
    private static final List<String> IMPURE_CALLS = List.of("java/lang/System.currentTimeMillis", "java/lang/System.nanoTime",
            "java/lang/Thread.sleep", "java/lang/Thread.<init>", "java/time/Instant.now", "java/time/LocalDateTime.now", "java/time/ZonedDateTime.now",
            "java/lang/Math.random", "java/lang/StrictMath.random", "java/util/UUID.randomUUID", "java/lang/System.getenv",
            "java/lang/System.getProperty", "java/lang/Boolean.getBoolean", "java/lang/Integer.getInteger", "java/lang/Long.getLong",
            "java/lang/System.identityHashCode", "java/util/Collection.parallelStream", "java/util/List.parallelStream",
            "java/util/Set.parallelStream", "java/util/stream/");
    /** The stream calls that make a pipeline parallel (other stream calls are fine). */
    private static final List<String> PARALLEL = List.of(".parallel(", ".parallelStream(");

    public record Finding(String clazz, String what) {
    }

    /** The core's rules ({@code core}) or the simulation's (seeded randomness and time types allowed). */
    public static List<Finding> scan(Path root, boolean core) throws IOException {
        List<Finding> findings = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                try (InputStream in = Files.newInputStream(p)) {
                    ClassReader reader = new ClassReader(in);
                    String name = reader.getClassName();
                    boolean pure = true;
                    reader.accept(new ClassVisitor(Opcodes.ASM9) {
                        void ref(String s) {
                            if (s == null) {
                                return;
                            }
                            for (String bad : FORBIDDEN_PACKAGES) {
                                if (s.startsWith(bad) || s.contains("L" + bad)) {
                                    findings.add(new Finding(name, s));
                                }
                            }
                            if (!pure) {
                                return;
                            }
                            for (String bad : IMPURE_TYPES) {
                                if (names(s, bad)) {
                                    findings.add(new Finding(name, s));
                                }
                            }
                            for (String bad : core ? CORE_ONLY_TYPES : List.<String>of()) {
                                if (names(s, bad)) {
                                    findings.add(new Finding(name, s));
                                }
                            }
                        }

                        @Override
                        public void visit(int v, int access, String n, String sig, String superName, String[] interfaces) {
                            ref(superName);
                            ref(sig);
                            if (interfaces != null) {
                                for (String i : interfaces) {
                                    ref(i);
                                }
                            }
                        }

                        @Override
                        public FieldVisitor visitField(int access, String n, String desc, String sig, Object value) {
                            ref(desc);
                            ref(sig);
                            return null;
                        }

                        @Override
                        public MethodVisitor visitMethod(int access, String m, String desc, String sig, String[] ex) {
                            ref(desc);
                            ref(sig);
                            return new MethodVisitor(Opcodes.ASM9) {
                                @Override
                                public void visitMethodInsn(int op, String owner, String method, String d, boolean itf) {
                                    ref(owner);
                                    ref(d);
                                    String call = owner + "." + method + d;
                                    if (call.startsWith("java/lang/System.currentTimeMillis") || call.startsWith("java/lang/System.nanoTime")
                                            || call.startsWith("java/lang/Thread.sleep") || call.equals("java/util/Random.<init>()V")
                                            || call.startsWith("java/lang/Thread.<init>") || call.startsWith("java/time/Instant.now")) {
                                        findings.add(new Finding(name, call));
                                    } else if (pure && IMPURE_CALLS.stream().anyMatch(c -> call.startsWith(c) && (!c.equals("java/util/stream/")
                                            || PARALLEL.stream().anyMatch(call::contains)))) {
                                        findings.add(new Finding(name, call));
                                    } else if (pure && PARALLEL.stream().anyMatch(call::contains)) {
                                        findings.add(new Finding(name, call));
                                    }
                                }

                                @Override
                                public void visitFieldInsn(int op, String owner, String f, String d) {
                                    ref(owner);
                                    ref(d);
                                }

                                @Override
                                public void visitTypeInsn(int op, String type) {
                                    ref(type);
                                }

                                @Override
                                public void visitLocalVariable(String n, String d, String sig, org.objectweb.asm.Label a, org.objectweb.asm.Label b, int i) {
                                    ref(d);
                                }
                            };
                        }
                    }, 0);
                }
            }
        }
        return findings;
    }

    @Test
    void consensusCoreUsesNoTransportDeviceTokenStorageClockThreadOrRandomness() throws IOException {
        Path classes = Path.of("target", "classes", "io", "backplane", "node");
        assertThat(classes.resolve("consensus")).isDirectory();
        assertThat(scan(classes.resolve("consensus"), true)).isEmpty();
    }

    @Test
    void theCheckFindsWhatItLooksFor() throws IOException {
        // This test class itself is not protocol code; a probe class that sleeps shows the scanner sees calls.
        Path probe = Path.of("target", "test-classes", "io", "backplane", "node", "consensus");
        assertThat(scan(probe, true)).extracting(Finding::what).contains("java/lang/Thread.sleep(J)V");
    }

    @Test
    void typeNamesMatchExactlyOrByPackage() {
        assertThat(names("java/lang/Runtime", "java/lang/Runtime")).isTrue();
        assertThat(names("Ljava/lang/RuntimeException;", "java/lang/Runtime")).isFalse();
        assertThat(names("(Ljava/lang/Thread;)V", "java/lang/Thread")).isTrue();
        assertThat(names("java/lang/ThreadLocal", "java/lang/Thread")).isFalse();
        assertThat(names("Ljava/util/concurrent/ThreadLocalRandom;", "java/util/concurrent/")).isTrue();
    }

    @Test
    void theCheckFindsEveryKindOfNonDeterminism() throws IOException {
        Path probe = Path.of("target", "test-classes", "io", "backplane", "node", "consensus");
        List<String> found = scan(probe, true).stream().filter(f -> f.clazz().endsWith("ImpureProbe")).map(Finding::what).toList();
        assertThat(found).anyMatch(w -> w.contains("java/security/SecureRandom"));
        assertThat(found).anyMatch(w -> w.contains("java/util/concurrent/ThreadLocalRandom"));
        assertThat(found).anyMatch(w -> w.contains("java/nio/file/Files"));
        assertThat(found).anyMatch(w -> w.contains("java/io/FileInputStream"));
        assertThat(found).anyMatch(w -> w.contains(".parallelStream("));
        assertThat(found).anyMatch(w -> w.contains(".parallel("));
        assertThat(found).anyMatch(w -> w.startsWith("java/lang/Math.random"));
        assertThat(found).anyMatch(w -> w.startsWith("java/lang/System.getenv"));
        assertThat(found).anyMatch(w -> w.startsWith("java/lang/System.identityHashCode"));
        assertThat(found).as("a sequential stream is fine").noneMatch(w -> w.contains(".sum("));
    }

    @Test
    void theCoreMayNotUseEvenSeededRandomnessOrTimeTypesAndNoSocketsWhileTheSimulationMayUseTheFormer() throws IOException {
        Path probe = Path.of("target", "test-classes", "io", "backplane", "node", "consensus");
        List<String> core = scan(probe, true).stream().filter(f -> f.clazz().endsWith("SeededProbe")).map(Finding::what).toList();
        assertThat(core).anyMatch(w -> w.contains("java/util/Random"));
        assertThat(core).anyMatch(w -> w.contains("java/time/Duration"));
        assertThat(core).anyMatch(w -> w.contains("java/net/Socket"));
        List<String> sim = scan(probe, false).stream().filter(f -> f.clazz().endsWith("SeededProbe")).map(Finding::what).toList();
        assertThat(sim).noneMatch(w -> w.contains("java/util/Random") || w.contains("java/time/"));
        assertThat(sim).as("sockets stay forbidden in the simulation").anyMatch(w -> w.contains("java/net/Socket"));
    }

    /** Seeded randomness and time types: forbidden in the core, allowed in the simulation; a socket: forbidden in both. */
    static final class SeededProbe {
        long draw() throws IOException {
            try (java.net.Socket s = new java.net.Socket()) {
                return new java.util.Random(7).nextLong() + java.time.Duration.ofMillis(3).toMillis() + s.getLocalPort();
            }
        }
    }

    /** Only here so the scanner has something to find. */
    static final class SleepingProbe {
        void nap() throws InterruptedException {
            Thread.sleep(1);
        }
    }

    /** Every impurity the core must not have, for the scanner to find. */
    static final class ImpureProbe {
        long all(List<Integer> xs) throws IOException {
            long n = new java.security.SecureRandom().nextInt() + java.util.concurrent.ThreadLocalRandom.current().nextInt();
            n += Files.size(Path.of("x")) + new java.io.FileInputStream("x").read();
            n += xs.parallelStream().count() + xs.stream().parallel().count() + xs.stream().mapToInt(i -> i).sum();
            n += (long) Math.random() + System.getenv("X").length() + System.identityHashCode(xs);
            return n;
        }
    }
}
