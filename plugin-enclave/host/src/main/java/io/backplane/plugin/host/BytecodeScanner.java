package io.backplane.plugin.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The load-time determinism scan (ASM): reads every class of a plugin jar and refuses references to clocks,
 * randomness, threads and concurrency, files, sockets, processes, reflection and method handles, class loading,
 * {@code System.exit}/{@code Runtime}, native code and JDK internals. It is the first wall: the sandbox is the second,
 * and must hold alone (tests run hostile jars with the scan off). Known gap: it cannot see non-determinism through
 * allowed APIs such as {@code Object.hashCode} of an identity object or iteration over a {@code HashSet} of such.
 */
public final class BytecodeScanner {
    /**
     * Types (internal names) a plugin may not touch at all, with the reason shown to the operator: a name ending in
     * {@code /} is a package, one ending in {@code *} a name prefix ({@code java/io/File*}: FileReader, FileDescriptor...),
     * any other an exact type and its nested types ({@code java/lang/Runtime} but not {@code RuntimeException}).
     */
    private static final List<String[]> BANNED_TYPES = List.of(
            new String[] {"java/lang/Thread*", "threads"},
            new String[] {"java/lang/ThreadGroup", "threads"},
            new String[] {"java/lang/Runtime", "the runtime (exit, exec, memory)"},
            new String[] {"java/lang/Process*", "processes"},
            new String[] {"java/lang/ClassLoader*", "class loading"},
            new String[] {"java/lang/reflect/", "reflection"},
            new String[] {"java/lang/invoke/MethodHandle*", "method handles"},
            new String[] {"java/lang/invoke/VarHandle", "method handles"},
            new String[] {"java/lang/foreign/", "native memory and calls"},
            new String[] {"java/util/concurrent/", "concurrency"},
            new String[] {"java/util/Timer*", "threads"},
            new String[] {"java/util/Random", "randomness"},
            new String[] {"java/util/SplittableRandom", "randomness"},
            new String[] {"java/util/random/", "randomness"},
            new String[] {"java/security/SecureRandom", "randomness"},
            new String[] {"java/time/", "clocks"},
            new String[] {"java/io/File*", "files"},
            new String[] {"java/io/RandomAccessFile", "files"},
            new String[] {"java/io/ObjectInputStream", "deserialisation"},
            new String[] {"java/io/Console", "the console"},
            new String[] {"java/nio/file/", "files"},
            new String[] {"java/nio/channels/", "files and sockets"},
            new String[] {"java/net/", "sockets"},
            new String[] {"javax/net/", "sockets"},
            new String[] {"java/rmi/", "remote calls"},
            new String[] {"java/sql/", "databases"},
            new String[] {"javax/script/", "script engines"},
            new String[] {"javax/tools/", "compilers"},
            new String[] {"java/lang/management/", "JVM management"},
            new String[] {"javax/management/", "JVM management"},
            new String[] {"sun/", "JDK internals"},
            new String[] {"com/sun/", "JDK internals"},
            new String[] {"jdk/", "JDK internals"});

    /** Members of otherwise allowed types: owner, name, reason. */
    private static final List<String[]> BANNED_MEMBERS = List.of(
            new String[] {"java/lang/System", "currentTimeMillis", "clocks"},
            new String[] {"java/lang/System", "nanoTime", "clocks"},
            new String[] {"java/lang/System", "exit", "System.exit"},
            new String[] {"java/lang/System", "halt", "System.exit"},
            new String[] {"java/lang/System", "load", "native code"},
            new String[] {"java/lang/System", "loadLibrary", "native code"},
            new String[] {"java/lang/System", "getenv", "the environment"},
            new String[] {"java/lang/System", "getProperty", "the environment"},
            new String[] {"java/lang/System", "getProperties", "the environment"},
            new String[] {"java/lang/System", "setOut", "the standard streams"},
            new String[] {"java/lang/System", "setIn", "the standard streams"},
            new String[] {"java/lang/System", "in", "the standard streams"},
            new String[] {"java/lang/System", "identityHashCode", "identity hashes (differ between runs)"},
            new String[] {"java/lang/System", "gc", "the runtime (exit, exec, memory)"},
            new String[] {"java/lang/Math", "random", "randomness"},
            new String[] {"java/lang/StrictMath", "random", "randomness"},
            new String[] {"java/util/UUID", "randomUUID", "randomness"},
            new String[] {"java/lang/Class", "forName", "class loading"},
            new String[] {"java/lang/Class", "newInstance", "reflection"},
            new String[] {"java/lang/Class", "getClassLoader", "class loading"},
            new String[] {"java/lang/Class", "getMethod", "reflection"},
            new String[] {"java/lang/Class", "getMethods", "reflection"},
            new String[] {"java/lang/Class", "getDeclaredMethod", "reflection"},
            new String[] {"java/lang/Class", "getDeclaredMethods", "reflection"},
            new String[] {"java/lang/Class", "getField", "reflection"},
            new String[] {"java/lang/Class", "getFields", "reflection"},
            new String[] {"java/lang/Class", "getDeclaredField", "reflection"},
            new String[] {"java/lang/Class", "getDeclaredFields", "reflection"},
            new String[] {"java/lang/Class", "getConstructor", "reflection"},
            new String[] {"java/lang/Class", "getConstructors", "reflection"},
            new String[] {"java/lang/Class", "getDeclaredConstructor", "reflection"},
            new String[] {"java/lang/Class", "getDeclaredConstructors", "reflection"},
            new String[] {"java/lang/Class", "getResourceAsStream", "files"},
            new String[] {"java/lang/Class", "getResource", "files"},
            new String[] {"java/lang/Object", "wait", "threads"},
            new String[] {"java/lang/Object", "notify", "threads"},
            new String[] {"java/lang/Object", "notifyAll", "threads"});

    /** Bootstrap methods javac emits for lambdas, string concatenation, records and switches: allowed in indy. */
    private static final Set<String> ALLOWED_BOOTSTRAPS = Set.of(
            "java/lang/invoke/LambdaMetafactory", "java/lang/invoke/StringConcatFactory",
            "java/lang/runtime/ObjectMethods", "java/lang/runtime/SwitchBootstraps");

    /** One refused use: where it is and what it reaches for. */
    public record Finding(String clazz, String method, String target, String reason) {
        @Override
        public String toString() {
            return clazz.replace('/', '.') + (method.isEmpty() ? "" : "." + method) + " uses " + target.replace('/', '.') + " (" + reason + ")";
        }
    }

    private BytecodeScanner() {
    }

    /** Every finding in the jar, sorted; empty when the jar passes. */
    public static List<Finding> scan(Path jar) throws IOException {
        List<Finding> findings = new ArrayList<>();
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            Enumeration<JarEntry> entries = jf.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (e.getName().endsWith(".class")) {
                    try (InputStream in = jf.getInputStream(e)) {
                        scanClass(in.readAllBytes(), findings);
                    } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException ex) {
                        findings.add(new Finding(e.getName(), "", "malformed class file", "unreadable bytecode"));
                    }
                }
            }
        }
        Set<String> seen = new TreeSet<>();
        List<Finding> unique = new ArrayList<>();
        for (Finding f : findings) {
            if (seen.add(f.toString())) {
                unique.add(f);
            }
        }
        unique.sort((a, b) -> a.toString().compareTo(b.toString()));
        return Collections.unmodifiableList(unique);
    }

    /** Packages of the trusted enclave code: a plugin class there could reach its package-private parts. */
    private static final List<String> RESERVED_PACKAGES = List.of("io/backplane/plugin/api/", "io/backplane/plugin/runtime/",
            "io/backplane/plugin/host/", "io/backplane/codec/", "java/", "javax/", "jdk/", "sun/");

    static void scanClass(byte[] bytes, List<Finding> out) {
        ClassReader cr = new ClassReader(bytes);
        String cls = cr.getClassName();
        for (String reserved : RESERVED_PACKAGES) {
            if (cls.startsWith(reserved)) {
                out.add(new Finding(cls, "", "package " + reserved.replace('/', '.'), "a package reserved for the host"));
            }
        }
        checkType(cls, "", cr.getSuperName(), out);
        for (String i : cr.getInterfaces()) {
            checkType(cls, "", i, out);
        }
        cr.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exceptions) {
                if ((access & Opcodes.ACC_NATIVE) != 0) {
                    out.add(new Finding(cls, name, "a native method", "native code"));
                }
                checkDescriptor(cls, name, desc, out);
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String mName, String mDesc, boolean itf) {
                        checkMember(cls, name, owner, mName, out);
                        checkDescriptor(cls, name, mDesc, out);
                    }

                    @Override
                    public void visitFieldInsn(int op, String owner, String fName, String fDesc) {
                        checkMember(cls, name, owner, fName, out);
                        checkDescriptor(cls, name, fDesc, out);
                    }

                    @Override
                    public void visitTypeInsn(int op, String type) {
                        checkType(cls, name, type, out);
                    }

                    @Override
                    public void visitMultiANewArrayInsn(String desc, int dims) {
                        checkDescriptor(cls, name, desc, out);
                    }

                    @Override
                    public void visitLdcInsn(Object value) {
                        checkConstant(cls, name, value, out);
                    }

                    @Override
                    public void visitInvokeDynamicInsn(String iName, String iDesc, Handle bsm, Object... args) {
                        if (!ALLOWED_BOOTSTRAPS.contains(bsm.getOwner())) {
                            out.add(new Finding(cls, name, bsm.getOwner() + "." + bsm.getName(), "dynamic invocation"));
                        }
                        checkDescriptor(cls, name, iDesc, out);
                        for (Object a : args) {
                            checkConstant(cls, name, a, out);
                        }
                    }

                    @Override
                    public void visitTryCatchBlock(org.objectweb.asm.Label s, org.objectweb.asm.Label e, org.objectweb.asm.Label h, String type) {
                        if (type != null) {
                            checkType(cls, name, type, out);
                        }
                    }
                };
            }

            @Override
            public org.objectweb.asm.FieldVisitor visitField(int access, String name, String desc, String sig, Object value) {
                checkDescriptor(cls, name, desc, out);
                return null;
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    }

    private static void checkConstant(String cls, String method, Object value, List<Finding> out) {
        if (value instanceof Type t) {
            checkDescriptor(cls, method, t.getDescriptor(), out);
        } else if (value instanceof Handle h) {
            checkMember(cls, method, h.getOwner(), h.getName(), out);
            checkDescriptor(cls, method, h.getDesc(), out);
        }
    }

    private static void checkDescriptor(String cls, String method, String desc, List<Finding> out) {
        Type t = Type.getType(desc);
        if (t.getSort() == Type.METHOD) {
            checkDescriptor(cls, method, t.getReturnType().getDescriptor(), out);
            for (Type a : t.getArgumentTypes()) {
                checkDescriptor(cls, method, a.getDescriptor(), out);
            }
        } else if (t.getSort() == Type.ARRAY) {
            checkDescriptor(cls, method, t.getElementType().getDescriptor(), out);
        } else if (t.getSort() == Type.OBJECT) {
            checkType(cls, method, t.getInternalName(), out);
        }
    }

    private static void checkType(String cls, String method, String type, List<Finding> out) {
        if (type == null) {
            return;
        }
        if (type.startsWith("[")) {
            checkDescriptor(cls, method, type, out);
            return;
        }
        for (String[] b : BANNED_TYPES) {
            String rule = b[0];
            boolean hit = rule.endsWith("/") ? type.startsWith(rule)
                    : rule.endsWith("*") ? type.startsWith(rule.substring(0, rule.length() - 1))
                    : type.equals(rule) || type.startsWith(rule + "$");
            if (hit) {
                out.add(new Finding(cls, method, type, b[1]));
                return;
            }
        }
    }

    private static void checkMember(String cls, String method, String owner, String name, List<Finding> out) {
        checkType(cls, method, owner, out);
        for (String[] b : BANNED_MEMBERS) {
            if (owner.equals(b[0]) && name.equals(b[1])) {
                out.add(new Finding(cls, method, owner + "." + name, b[2]));
                return;
            }
        }
    }
}
