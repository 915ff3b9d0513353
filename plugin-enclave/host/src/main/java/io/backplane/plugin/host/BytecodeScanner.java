package io.backplane.plugin.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Member;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The load-time determinism scan (ASM), an <b>allowlist</b> in the manner of Corda's deterministic JVM sandbox: every
 * entry of the jar is read (class files under any name, nested archives refused), and every type, method, field,
 * {@code invokedynamic} bootstrap and constant a plugin's class reaches outside its own jar and the plugin API must be
 * allowed by {@link #ALLOWLIST_RESOURCE}; everything else is refused by name. Dynamic constants, method handle and
 * method type constants, native methods, {@code finalize}, catching errors whose depth or timing varies
 * ({@code StackOverflowError}, {@code Throwable}...) and classes in reserved packages are refused outright. It is the
 * first wall: the sandbox is the second and must hold alone (tests run hostile jars with the scan off). Known gap: it
 * cannot see identity hashes reached inside allowed JDK code (a {@code HashMap} over objects without their own
 * {@code hashCode}, enums as hash keys, {@code Objects.hash} of such); dual execution catches those.
 */
public final class BytecodeScanner {
    /** The published allowlist (classpath resource, also rendered in plugin-enclave/README.md). */
    public static final String ALLOWLIST_RESOURCE = "io/backplane/plugin/host/jdk-allowlist.txt";

    /** Packages of the trusted enclave code: a plugin class there could reach its package-private parts. */
    private static final List<String> RESERVED_PACKAGES = List.of("io/backplane/plugin/api/", "io/backplane/plugin/runtime/", "io/backplane/plugin/wire/",
            "io/backplane/plugin/host/", "io/backplane/codec/", "java/", "javax/", "jdk/", "sun/", "com/sun/");
    /** The plugin API: trusted data types a plugin is written against. */
    private static final String API_PACKAGE = "io/backplane/plugin/api/";

    private static final Allowlist ALLOWLIST = Allowlist.load();

    /** One refused use: where it is and what it reaches for. */
    public record Finding(String clazz, String method, String target, String reason) {
        @Override
        public String toString() {
            return clazz.replace('/', '.') + (method.isEmpty() ? "" : "." + method) + " uses " + target.replace('/', '.') + " (" + reason + ")";
        }
    }

    private BytecodeScanner() {
    }

    /** Limits of what a scan reads: a jar beyond them is refused before it is read further (a zip bomb stays small). */
    static final int MAX_ENTRIES = 10_000;
    static final int MAX_ENTRY_BYTES = 16 * 1024 * 1024;
    static final long MAX_TOTAL_BYTES = 64L * 1024 * 1024;

    /** Every finding in the jar, sorted; empty when the jar passes; a jar beyond the limits is an IOException naming the limit. */
    public static List<Finding> scan(Path jar) throws IOException {
        List<Finding> findings = new ArrayList<>();
        Map<String, ClassReader> classes = new HashMap<>();
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            java.util.jar.Manifest mf = jf.getManifest();
            if (mf != null && mf.getMainAttributes().getValue("Class-Path") != null) {
                findings.add(new Finding("META-INF/MANIFEST.MF", "", "Class-Path " + mf.getMainAttributes().getValue("Class-Path"), "code outside the jar"));
            }
            Enumeration<JarEntry> entries = jf.entries();
            int count = 0;
            long total = 0;
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                if (++count > MAX_ENTRIES) {
                    throw new IOException(jar + " has more than " + MAX_ENTRIES + " entries; a plugin jar is far smaller");
                }
                byte[] bytes;
                try (InputStream in = jf.getInputStream(e)) {
                    // Bounded whatever the entry claims: a small deflated entry can inflate to gigabytes.
                    bytes = in.readNBytes(MAX_ENTRY_BYTES + 1);
                }
                if (bytes.length > MAX_ENTRY_BYTES) {
                    throw new IOException(jar + ": entry " + e.getName() + " inflates to more than " + MAX_ENTRY_BYTES + " bytes");
                }
                total += bytes.length;
                if (total > MAX_TOTAL_BYTES) {
                    throw new IOException(jar + " inflates to more than " + MAX_TOTAL_BYTES + " bytes in all");
                }
                String name = e.getName();
                String lower = name.toLowerCase(java.util.Locale.ROOT);
                boolean classMagic = bytes.length >= 4 && (bytes[0] & 0xff) == 0xCA && (bytes[1] & 0xff) == 0xFE && (bytes[2] & 0xff) == 0xBA && (bytes[3] & 0xff) == 0xBE;
                boolean zipMagic = bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K';
                if (zipMagic || lower.endsWith(".jar") || lower.endsWith(".zip") || lower.endsWith(".jmod") || lower.endsWith(".war")) {
                    findings.add(new Finding(name, "", "a nested archive", "code the scan cannot vouch for"));
                    continue;
                }
                if (!name.endsWith(".class") && !classMagic) {
                    continue; // a plain resource
                }
                if (!name.endsWith(".class")) {
                    findings.add(new Finding(name, "", "a class file under a resource name", "hidden code"));
                }
                try {
                    ClassReader cr = new ClassReader(bytes);
                    if (classes.putIfAbsent(cr.getClassName(), cr) != null && !name.startsWith("META-INF/versions/")) {
                        findings.add(new Finding(name, "", "a second definition of " + cr.getClassName(), "hidden code"));
                    }
                    if (name.endsWith(".class") && !name.startsWith("META-INF/versions/") && !name.equals(cr.getClassName() + ".class")) {
                        findings.add(new Finding(name, "", "class " + cr.getClassName() + " under another name", "hidden code"));
                    }
                } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException ex) {
                    findings.add(new Finding(name, "", "malformed class file", "unreadable bytecode"));
                }
            }
        }
        Jar index = new Jar(classes);
        for (ClassReader cr : classes.values()) {
            try {
                scanClass(cr, index, findings);
            } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException | NegativeArraySizeException ex) {
                findings.add(new Finding(cr.getClassName(), "", "malformed class file", "unreadable bytecode"));
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

    /**
     * The classes of one jar: their supertypes and the members each declares, as name and descriptor (the JVM resolves
     * a call by both: an overload of the same name in the jar does not shadow the JDK's member).
     */
    private static final class Jar {
        final Map<String, String> superOf = new HashMap<>();
        final Map<String, String[]> interfacesOf = new HashMap<>();
        final Map<String, Set<String>> members = new HashMap<>();

        Jar(Map<String, ClassReader> classes) {
            for (var e : classes.entrySet()) {
                ClassReader cr = e.getValue();
                superOf.put(e.getKey(), cr.getSuperName());
                interfacesOf.put(e.getKey(), cr.getInterfaces());
                Set<String> names = new HashSet<>();
                cr.accept(new ClassVisitor(Opcodes.ASM9) {
                    @Override
                    public MethodVisitor visitMethod(int a, String n, String d, String s, String[] x) {
                        names.add(n + d);
                        return null;
                    }

                    @Override
                    public org.objectweb.asm.FieldVisitor visitField(int a, String n, String d, String s, Object v) {
                        names.add(n + d);
                        return null;
                    }
                }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
                members.put(e.getKey(), names);
            }
        }

        boolean has(String cls) {
            return superOf.containsKey(cls);
        }
    }

    static void scanClass(ClassReader cr, Jar jar, List<Finding> out) {
        String cls = cr.getClassName();
        for (String reserved : RESERVED_PACKAGES) {
            if (cls.startsWith(reserved)) {
                out.add(new Finding(cls, "", "package " + reserved.replace('/', '.'), "a package reserved for the host"));
            }
        }
        Checker c = new Checker(cls, jar, out);
        c.type("", cr.getSuperName());
        for (String i : cr.getInterfaces()) {
            c.type("", i);
        }
        cr.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exceptions) {
                if ((access & Opcodes.ACC_NATIVE) != 0) {
                    out.add(new Finding(cls, name, "a native method", "native code"));
                }
                if (name.equals("finalize") && desc.equals("()V")) {
                    out.add(new Finding(cls, name, "finalize()", "runs when the collector decides"));
                }
                c.descriptor(name, desc);
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String mName, String mDesc, boolean itf) {
                        c.member(name, owner, mName, mDesc);
                        c.descriptor(name, mDesc);
                    }

                    @Override
                    public void visitFieldInsn(int op, String owner, String fName, String fDesc) {
                        c.member(name, owner, fName, fDesc);
                        c.descriptor(name, fDesc);
                    }

                    @Override
                    public void visitTypeInsn(int op, String type) {
                        c.type(name, type);
                    }

                    @Override
                    public void visitMultiANewArrayInsn(String desc, int dims) {
                        c.descriptor(name, desc);
                    }

                    @Override
                    public void visitLdcInsn(Object value) {
                        c.constant(name, value);
                    }

                    @Override
                    public void visitInvokeDynamicInsn(String iName, String iDesc, Handle bsm, Object... args) {
                        if (!ALLOWLIST.bootstrap(bsm.getOwner(), bsm.getName())) {
                            out.add(new Finding(cls, name, bsm.getOwner() + "." + bsm.getName(), "an invokedynamic bootstrap not on the allowlist"));
                        }
                        c.descriptor(name, iDesc);
                        for (Object a : args) {
                            if (a instanceof Handle h) {
                                c.member(name, h.getOwner(), h.getName(), h.getDesc()); // a lambda's target
                                c.descriptor(name, h.getDesc());
                            } else if (a instanceof Type t && t.getSort() == Type.METHOD) {
                                c.descriptor(name, t.getDescriptor());
                            } else {
                                c.constant(name, a);
                            }
                        }
                    }

                    @Override
                    public void visitTryCatchBlock(org.objectweb.asm.Label s, org.objectweb.asm.Label e, org.objectweb.asm.Label h, String type) {
                        if (type != null) {
                            c.type(name, type);
                            if (ALLOWLIST.uncatchable.contains(type)) {
                                out.add(new Finding(cls, name, "catch " + type, "its depth and timing differ between runs"));
                            }
                        }
                    }
                };
            }

            @Override
            public org.objectweb.asm.FieldVisitor visitField(int access, String name, String desc, String sig, Object value) {
                c.descriptor(name, desc);
                return null;
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    }

    /** Checks the references of one class against the jar, the API and the allowlist. */
    private record Checker(String cls, Jar jar, List<Finding> out) {
        void constant(String method, Object value) {
            if (value instanceof Type t) {
                if (t.getSort() == Type.METHOD) {
                    out.add(new Finding(cls, method, "a method type constant", "method handles"));
                } else {
                    descriptor(method, t.getDescriptor());
                }
            } else if (value instanceof Handle h) {
                out.add(new Finding(cls, method, "a method handle constant " + h.getOwner() + "." + h.getName(), "method handles"));
            } else if (value instanceof ConstantDynamic d) {
                out.add(new Finding(cls, method, "a dynamic constant " + d.getName() + " (bootstrap " + d.getBootstrapMethod().getOwner() + "."
                        + d.getBootstrapMethod().getName() + ")", "dynamic constants"));
            }
        }

        void descriptor(String method, String desc) {
            Type t = Type.getType(desc);
            if (t.getSort() == Type.METHOD) {
                descriptor(method, t.getReturnType().getDescriptor());
                for (Type a : t.getArgumentTypes()) {
                    descriptor(method, a.getDescriptor());
                }
            } else if (t.getSort() == Type.ARRAY) {
                descriptor(method, t.getElementType().getDescriptor());
            } else if (t.getSort() == Type.OBJECT) {
                type(method, t.getInternalName());
            }
        }

        /** A type may be named when it is the jar's, the API's, or on the allowlist (any line). */
        boolean type(String method, String type) {
            if (type == null) {
                return true;
            }
            if (type.startsWith("[")) {
                descriptor(method, type);
                return true;
            }
            if (jar.has(type) || type.startsWith(API_PACKAGE) && !type.contains("$$")) {
                return true;
            }
            if (!ALLOWLIST.types.containsKey(type)) {
                out.add(new Finding(cls, method, type, "not on the allowlist"));
                return false;
            }
            return true;
        }

        void member(String method, String owner, String name, String desc) {
            if (ALLOWLIST.refusedEverywhere.contains(name) && !(jar.has(owner) && declaredInJar(owner, name + desc))) {
                out.add(new Finding(cls, method, owner + "." + name, "refused on every type"));
                return;
            }
            if (owner.startsWith("[")) {
                if (!name.equals("clone") && !name.equals("length")) {
                    jdkMember(method, "java/lang/Object", name, owner);
                }
                return;
            }
            if (!type(method, owner)) {
                return;
            }
            if (owner.startsWith(API_PACKAGE) && !jar.has(owner)) {
                apiMember(method, owner, name);
                return;
            }
            if (jar.has(owner)) {
                // Declared in the jar (scanned itself), or inherited: judge it where the jar's hierarchy leaves the jar.
                // In the JVM's order: the superclass chain first (a JDK superclass's member wins over a default method
                // of the jar's interfaces), then the interfaces.
                String key = name + desc;
                ArrayDeque<String> todo = new ArrayDeque<>();
                String sup = owner;
                while (sup != null && jar.has(sup)) {
                    if (jar.members.get(sup).contains(key)) {
                        return;
                    }
                    todo.addAll(Arrays.asList(jar.interfacesOf.get(sup)));
                    sup = jar.superOf.get(sup);
                }
                List<String> outside = new ArrayList<>();
                if (sup != null) {
                    outside.add(sup);
                }
                Set<String> seen = new HashSet<>();
                boolean inJarInterface = false;
                while (!todo.isEmpty()) {
                    String c = todo.poll();
                    if (!seen.add(c)) {
                        continue;
                    }
                    if (!jar.has(c)) {
                        outside.add(c);
                        continue;
                    }
                    if (jar.members.get(c).contains(key)) {
                        inJarInterface = true;
                        continue;
                    }
                    todo.addAll(Arrays.asList(jar.interfacesOf.get(c)));
                }
                if (inJarInterface && (sup == null || ALLOWLIST.declarer(sup, name).isEmpty())) {
                    return;
                }
                for (String c : outside) {
                    if (c.startsWith(API_PACKAGE)) {
                        if (!ALLOWLIST.declarer(c, name).isEmpty()) {
                            apiMember(method, c, name);
                            return;
                        }
                        continue;
                    }
                    if (!ALLOWLIST.declarer(c, name).isEmpty()) {
                        jdkMember(method, c, name, owner);
                        return;
                    }
                }
                return; // not declared anywhere we know: the JVM will refuse to link it
            }
            jdkMember(method, owner, name, owner);
        }

        /** A member reached through an API type: the API's own are allowed, ones it inherits from the JDK are judged there. */
        private void apiMember(String method, String owner, String name) {
            List<String> declarers = ALLOWLIST.declarer(owner, name);
            if (!declarers.isEmpty() && !declarers.get(0).startsWith(API_PACKAGE)) {
                jdkMember(method, declarers.get(0), name, owner);
            }
        }

        private boolean declaredInJar(String owner, String nameAndDesc) {
            return jar.members.getOrDefault(owner, Set.of()).contains(nameAndDesc);
        }

        /** A member of a JDK type: allowed on the line of the type that declares it. */
        private void jdkMember(String method, String owner, String name, String shownOwner) {
            List<String> declarers = ALLOWLIST.declarer(owner, name);
            if (declarers.isEmpty()) {
                // Not found by reflection (a field of an interface, a name the JDK lacks): judge at the owner's line.
                if (!ALLOWLIST.permits(owner, name)) {
                    out.add(new Finding(cls, method, shownOwner + "." + name, "not on the allowlist"));
                }
                return;
            }
            String at = declarers.get(0);
            if (!ALLOWLIST.permits(at, name)) {
                out.add(new Finding(cls, method, shownOwner + "." + name + (at.equals(shownOwner) ? "" : ", declared by " + at), "not on the allowlist"));
            }
        }
    }

    /** The parsed {@link #ALLOWLIST_RESOURCE}. */
    static final class Allowlist {
        /** Internal name to rule: null for every declared member, else the allowed names. */
        final Map<String, Rule> types = new HashMap<>();
        final Set<String> refusedEverywhere = new HashSet<>();
        final Set<String> uncatchable = new HashSet<>();
        final Map<String, Set<String>> bootstraps = new HashMap<>();
        private final Map<String, List<String>> declarers = new ConcurrentHashMap<>();

        record Rule(boolean all, Set<String> names, Set<String> except) {
        }

        static Allowlist load() {
            Allowlist a = new Allowlist();
            InputStream in = BytecodeScanner.class.getClassLoader().getResourceAsStream(ALLOWLIST_RESOURCE);
            if (in == null) {
                throw new IllegalStateException("the bytecode allowlist " + ALLOWLIST_RESOURCE + " is missing from the host's class path");
            }
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    String l = line.strip();
                    if (l.isEmpty() || l.startsWith("#")) {
                        continue;
                    }
                    String[] f = l.split("\\s+");
                    switch (f[0]) {
                        case "!" -> a.refusedEverywhere.addAll(Arrays.asList(f).subList(1, f.length));
                        case "catch" -> Arrays.stream(f).skip(1).forEach(t -> a.uncatchable.add(t.replace('.', '/')));
                        case "bootstrap" -> a.bootstraps.computeIfAbsent(f[1].replace('.', '/'), k -> new HashSet<>()).addAll(Arrays.asList(f).subList(2, f.length));
                        default -> {
                            boolean all = f.length > 1 && f[1].equals("*");
                            Set<String> names = new HashSet<>();
                            Set<String> except = new HashSet<>();
                            for (int i = all ? 2 : 1; i < f.length; i++) {
                                if (all && !f[i].startsWith("-")) {
                                    throw new IllegalStateException(ALLOWLIST_RESOURCE + " line " + n + ": after * only -exceptions may follow, found " + f[i]);
                                }
                                (all ? except : names).add(all ? f[i].substring(1) : f[i]);
                            }
                            if (a.types.put(f[0].replace('.', '/'), new Rule(all, names, except)) != null) {
                                throw new IllegalStateException(ALLOWLIST_RESOURCE + " line " + n + ": " + f[0] + " is listed twice");
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + ALLOWLIST_RESOURCE, e);
            }
            return a;
        }

        boolean bootstrap(String owner, String name) {
            return bootstraps.getOrDefault(owner, Set.of()).contains(name);
        }

        boolean permits(String type, String name) {
            Rule r = types.get(type);
            if (r == null || refusedEverywhere.contains(name)) {
                return false;
            }
            return r.all() ? !r.except().contains(name) : r.names().contains(name);
        }

        /**
         * The JDK types, nearest first, that declare {@code name} as seen from {@code owner} (its superclasses, then its
         * interfaces), found by reflection on the host's own JDK, the one the enclave runs. Empty when unknown.
         */
        List<String> declarer(String owner, String name) {
            return declarers.computeIfAbsent(owner + "#" + name, k -> {
                Optional<Class<?>> c = load(owner);
                if (c.isEmpty()) {
                    return List.of();
                }
                List<String> found = new ArrayList<>();
                ArrayDeque<Class<?>> todo = new ArrayDeque<>();
                for (Class<?> s = c.get(); s != null; s = s.getSuperclass()) {
                    todo.add(s);
                }
                Set<Class<?>> seen = new HashSet<>();
                while (!todo.isEmpty()) {
                    Class<?> t = todo.poll();
                    if (!seen.add(t)) {
                        continue;
                    }
                    if (declares(t, name)) {
                        found.add(t.getName().replace('.', '/'));
                        break;
                    }
                    todo.addAll(Arrays.asList(t.getInterfaces()));
                }
                return List.copyOf(found);
            });
        }

        private static boolean declares(Class<?> t, String name) {
            try {
                if (name.equals("<init>")) {
                    return true;
                }
                return name.equals("<clinit>") || Arrays.stream(t.getDeclaredMethods()).map(Member::getName).anyMatch(name::equals)
                        || Arrays.stream(t.getDeclaredFields()).map(Member::getName).anyMatch(name::equals);
            } catch (LinkageError | SecurityException e) {
                return false;
            }
        }

        private static Optional<Class<?>> load(String internalName) {
            try {
                // The plugin API through the host's own loader (it is on the host's class path); everything else only
                // from the JDK, so a plugin naming a class cannot make the host load anything but JDK and API classes.
                ClassLoader loader = internalName.startsWith(API_PACKAGE) ? BytecodeScanner.class.getClassLoader() : ClassLoader.getPlatformClassLoader();
                return Optional.of(Class.forName(internalName.replace('/', '.'), false, loader));
            } catch (ClassNotFoundException | LinkageError e) {
                return Optional.empty();
            }
        }
    }
}
