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
 * Reads the compiled consensus core and simulator class files (ASM) and fails on a reference to a transport,
 * device or token class (Netty, Vert.x, JOCL, PKCS#11), or on an ambient clock, sleep or unseeded random inside
 * protocol code (STYLE.md §3, §11).
 */
class CoreLayeringTest {
    private static final List<String> FORBIDDEN_PACKAGES = List.of("io/netty/", "io/vertx/", "org/jocl/", "sun/security/pkcs11/", "iaik/pkcs/");

    record Finding(String clazz, String what) {
    }

    static List<Finding> scan(Path root) throws IOException {
        List<Finding> findings = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                try (InputStream in = Files.newInputStream(p)) {
                    ClassReader reader = new ClassReader(in);
                    String name = reader.getClassName();
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
    void consensusCoreAndSimulatorUseNoTransportDeviceTokenClockOrUnseededRandom() throws IOException {
        Path classes = Path.of("target", "classes", "io", "backplane", "node");
        assertThat(classes.resolve("consensus")).isDirectory();
        List<Finding> findings = new ArrayList<>(scan(classes.resolve("consensus")));
        findings.addAll(scan(classes.resolve("sim")));
        assertThat(findings).isEmpty();
    }

    @Test
    void theCheckFindsWhatItLooksFor() throws IOException {
        // This test class itself is not protocol code; a probe class that sleeps shows the scanner sees calls.
        Path probe = Path.of("target", "test-classes", "io", "backplane", "node", "consensus");
        assertThat(scan(probe)).extracting(Finding::what).contains("java/lang/Thread.sleep(J)V");
    }

    /** Only here so the scanner has something to find. */
    static final class SleepingProbe {
        void nap() throws InterruptedException {
            Thread.sleep(1);
        }
    }
}
