package io.backplane.plugin.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** What the determinism scan refuses and, as important, what ordinary Java it lets through. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BytecodeScannerTest {
    @TempDir
    static Path dir;
    private Map<String, Path> jars;
    private Map<String, Path> bypasses;

    private static String cls(String name, String body) {
        return "package scan;\npublic final class " + name + " {\n" + body + "\n}\n";
    }

    @BeforeAll
    void compile() {
        jars = new TestJars(dir).compileEach("scan", Map.of(
                "scan.Clean", cls("Clean", """
                        record Pair(String a, int b) { }
                        enum Color { RED, GREEN }
                        public String run(String s, Color c, java.util.List<Integer> xs) {
                            String k = switch (s) { case "a" -> "A"; case "b" -> "B"; default -> s + xs.size(); };
                            int sum = xs.stream().mapToInt(Integer::intValue).filter(x -> x > 2).sum();
                            java.util.Map<String, Integer> m = new java.util.TreeMap<>();
                            m.merge(k, sum, Integer::sum);
                            try { Integer.parseInt(s); } catch (NumberFormatException e) { k = k + e.getMessage(); }
                            Object o = new Pair(k, sum);
                            String t = o instanceof Pair p ? p.a() : "";
                            return k + t + (c == Color.RED ? 1 : 2) + m + Math.floorMod(sum, 7) + new StringBuilder("x").reverse();
                        }"""),
                "scan.Clock", cls("Clock", "public Object run() { return java.time.Instant.now(); }"),
                "scan.Reflect", cls("Reflect", "public Object run(Object o) throws Exception { return o.getClass().getDeclaredMethod(\"x\").invoke(o); }"),
                "scan.Pool", cls("Pool", "public Object run() { return java.util.concurrent.Executors.newFixedThreadPool(2); }"),
                "scan.Native", cls("Native", "public native int run();"),
                "scan.Loader", cls("Loader", "public Object run(String n) throws Exception { return Class.forName(n); }"),
                "scan.Env", cls("Env", "public Object run() { return System.getenv(\"HOME\") + System.getProperty(\"user.home\"); }"),
                "scan.Handles", cls("Handles", "public Object run() throws Exception { return java.lang.invoke.MethodHandles.lookup(); }"),
                "scan.Identity", cls("Identity", "public int run(Object o) { return System.identityHashCode(o) + o.hashCode(); }"),
                "scan.Runtime", cls("Runtime", "public Object run() throws Exception { return java.lang.Runtime.getRuntime().exec(\"id\"); }")));
        // What the denylist let through (issue 11): each is refused by name now.
        bypasses = new TestJars(dir).compileEach("bypass", Map.of(
                "scan.Date", cls("Date", "public Object run() { return new java.util.Date().toString(); }"),
                "scan.Shuffle", cls("Shuffle", "public Object run(java.util.List<Integer> l) { java.util.Collections.shuffle(l); return l; }"),
                "scan.KeyGen", cls("KeyGen", "public Object run() throws Exception { return javax.crypto.KeyGenerator.getInstance(\"AES\").generateKey(); }"),
                "scan.Tools", cls("Tools", "public Object run() { return java.util.spi.ToolProvider.findFirst(\"javac\").orElseThrow().run(System.out, System.err, \"@/proc/1/environ\"); }"),
                "scan.Boxes", cls("Boxes", "public Object run() { return Integer.getInteger(\"java.specification.version\") + \"\" + Long.getLong(\"x\") + Boolean.getBoolean(\"y\"); }"),
                "scan.Parallel", cls("Parallel", "public Object run(java.util.List<Integer> l) { return l.parallelStream().map(x -> x + 1).toList() + \"\" + l.stream().parallel().count(); }"),
                "scan.Depth", cls("Depth", "int d; void down() { d++; down(); } public int run() { try { down(); } catch (StackOverflowError e) { return d; } return 0; }"),
                "scan.AnyThrowable", cls("AnyThrowable", "public int run(Runnable r) { try { r.run(); } catch (Throwable t) { return 1; } return 0; }"),
                "scan.ThreadLambda", cls("ThreadLambda", "public Object run(Runnable r) { java.util.function.Function<Runnable, Object> f = Thread::new; return f.apply(r); }"),
                "scan.Waits", cls("Waits", "public void run() throws Exception { synchronized (this) { this.wait(1); } }")));
        bypasses = new java.util.HashMap<>(bypasses);
        bypasses.putAll(new TestJars(dir).compileEach("bypass2", Map.of(
                "scan.ApiInherited", cls("ApiInherited", "public Object run(io.backplane.plugin.api.IncompatiblePluginException e) { return e.getStackTrace(); }"),
                // An overload of the same name declared in the jar: the JVM still resolves the call to the JDK's member.
                "scan.OverloadParallel", cls("OverloadParallel", """
                        static final class L extends java.util.ArrayList<Integer> { void parallelStream(int x) { } }
                        public Object run() { L l = new L(); l.add(1); return l.parallelStream().map(x -> x + 1).toList(); }"""),
                "scan.OverloadWait", cls("OverloadWait", """
                        static final class W { void wait(int a, int b, int c) { } }
                        public void run() throws Exception { W w = new W(); synchronized (w) { w.wait(1L); } }"""),
                "scan.OverloadStack", cls("OverloadStack", """
                        static final class E extends RuntimeException { void printStackTrace(int x) { } }
                        public void run() { new E().printStackTrace(); }"""),
                "scan.InterfaceShadow", cls("InterfaceShadow", """
                        interface I { default void printStackTrace() { } }
                        static final class E extends RuntimeException implements I { }
                        public void run() { new E().printStackTrace(); }"""))));
    }

    private String findings(String cls) throws IOException {
        return BytecodeScanner.scan(jars.get(cls)).toString();
    }

    @Test
    void ordinaryJavaPassesTheScan() throws IOException {
        assertThat(BytecodeScanner.scan(jars.get("scan.Clean"))).isEmpty();
    }

    @Test
    void eachForbiddenReachIsNamedWithItsReason() throws IOException {
        assertThat(findings("scan.Clock")).contains("java.time.Instant (not on the allowlist)");
        assertThat(findings("scan.Reflect")).contains("java.lang.Class.getDeclaredMethod (not on the allowlist)", "java.lang.reflect.Method (not on the allowlist)");
        assertThat(findings("scan.Pool")).contains("java.util.concurrent.Executors (not on the allowlist)");
        assertThat(findings("scan.Native")).contains("a native method (native code)");
        assertThat(findings("scan.Loader")).contains("java.lang.Class.forName (not on the allowlist)");
        assertThat(findings("scan.Env")).contains("java.lang.System.getenv (not on the allowlist)", "java.lang.System.getProperty (not on the allowlist)");
        assertThat(findings("scan.Handles")).contains("java.lang.invoke.MethodHandles (not on the allowlist)");
        assertThat(findings("scan.Identity")).contains("java.lang.System.identityHashCode (not on the allowlist)", "java.lang.Object.hashCode (not on the allowlist)");
        assertThat(findings("scan.Runtime")).contains("java.lang.Runtime (not on the allowlist)");
    }

    @Test
    void whatTheDenylistLetThroughIsRefusedByName() throws IOException {
        assertThat(bypass("scan.Date")).contains("java.util.Date (not on the allowlist)");
        assertThat(bypass("scan.Shuffle")).contains("java.util.Collections.shuffle (not on the allowlist)");
        assertThat(bypass("scan.KeyGen")).contains("javax.crypto.KeyGenerator (not on the allowlist)");
        assertThat(bypass("scan.Tools")).contains("java.util.spi.ToolProvider (not on the allowlist)");
        assertThat(bypass("scan.Boxes")).contains("java.lang.Integer.getInteger (not on the allowlist)", "java.lang.Long.getLong (not on the allowlist)",
                "java.lang.Boolean.getBoolean (not on the allowlist)");
        assertThat(bypass("scan.Parallel")).contains("java.util.List.parallelStream (refused on every type)", "java.util.stream.Stream.parallel (refused on every type)");
        assertThat(bypass("scan.Depth")).contains("catch java.lang.StackOverflowError (its depth and timing differ between runs)");
        assertThat(bypass("scan.AnyThrowable")).contains("catch java.lang.Throwable (its depth and timing differ between runs)");
        assertThat(bypass("scan.ThreadLambda")).contains("java.lang.Thread (not on the allowlist)");
        assertThat(bypass("scan.Waits")).contains("java.lang.Object.wait (refused on every type)");
        assertThat(bypass("scan.ApiInherited")).contains("io.backplane.plugin.api.IncompatiblePluginException.getStackTrace, declared by java.lang.Throwable (not on the allowlist)");
    }

    @Test
    void anOverloadDeclaredInTheJarDoesNotLetTheJdksMemberOfThatNameThrough() throws IOException {
        assertThat(bypass("scan.OverloadParallel")).contains("scan.OverloadParallel$L.parallelStream (refused on every type)");
        assertThat(bypass("scan.OverloadWait")).contains(".wait (refused on every type)");
        assertThat(bypass("scan.OverloadStack")).contains("scan.OverloadStack$E.printStackTrace, declared by java.lang.Throwable (not on the allowlist)");
        // The JVM takes the superclass's member before a default method of the jar's interface.
        assertThat(bypass("scan.InterfaceShadow")).contains("scan.InterfaceShadow$E.printStackTrace, declared by java.lang.Throwable (not on the allowlist)");
    }

    private String bypass(String cls) throws IOException {
        return BytecodeScanner.scan(bypasses.get(cls)).toString();
    }

    @Test
    void dynamicConstantsAndMethodHandleConstantsAreRefused() throws IOException {
        // javac never writes these for plugin code; a hand-made class does (ConstantBootstraps.invoke reaches anything).
        org.objectweb.asm.ClassWriter cw = new org.objectweb.asm.ClassWriter(org.objectweb.asm.ClassWriter.COMPUTE_MAXS);
        cw.visit(org.objectweb.asm.Opcodes.V21, org.objectweb.asm.Opcodes.ACC_PUBLIC, "scan/Condy", null, "java/lang/Object", null);
        var mv = cw.visitMethod(org.objectweb.asm.Opcodes.ACC_PUBLIC | org.objectweb.asm.Opcodes.ACC_STATIC, "run", "()Ljava/lang/Object;", null, null);
        org.objectweb.asm.Handle bsm = new org.objectweb.asm.Handle(org.objectweb.asm.Opcodes.H_INVOKESTATIC, "java/lang/invoke/ConstantBootstraps", "invoke",
                "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;Ljava/lang/invoke/MethodHandle;[Ljava/lang/Object;)Ljava/lang/Object;", false);
        org.objectweb.asm.Handle target = new org.objectweb.asm.Handle(org.objectweb.asm.Opcodes.H_INVOKESTATIC, "java/lang/System", "nanoTime", "()J", false);
        mv.visitLdcInsn(new org.objectweb.asm.ConstantDynamic("t", "Ljava/lang/Object;", bsm, target));
        mv.visitLdcInsn(target);
        mv.visitInsn(org.objectweb.asm.Opcodes.POP);
        mv.visitInsn(org.objectweb.asm.Opcodes.ARETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        Path jar = dir.resolve("condy.jar");
        try (var jos = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar))) {
            jos.putNextEntry(new java.util.jar.JarEntry("scan/Condy.class"));
            jos.write(cw.toByteArray());
            jos.closeEntry();
        }
        assertThat(BytecodeScanner.scan(jar).toString())
                .contains("a dynamic constant t (bootstrap java.lang.invoke.ConstantBootstraps.invoke) (dynamic constants)")
                .contains("a method handle constant java.lang.System.nanoTime (method handles)");
    }

    @Test
    void nestedJarsAndClassFilesUnderOtherNamesAreRefused() throws IOException {
        byte[] clock = java.nio.file.Files.readAllBytes(java.nio.file.FileSystems.newFileSystem(jars.get("scan.Clock")).getPath("scan/Clock.class"));
        Path jar = dir.resolve("hiding.jar");
        try (var jos = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar))) {
            jos.putNextEntry(new java.util.jar.JarEntry("lib/inner.jar"));
            jos.write(java.nio.file.Files.readAllBytes(jars.get("scan.Clean")));
            jos.closeEntry();
            jos.putNextEntry(new java.util.jar.JarEntry("data/notes.txt"));
            jos.write(clock);
            jos.closeEntry();
            jos.putNextEntry(new java.util.jar.JarEntry("data/plain.txt"));
            jos.write("just text".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            jos.closeEntry();
        }
        assertThat(BytecodeScanner.scan(jar).toString())
                .contains("lib.inner.jar uses a nested archive (code the scan cannot vouch for)")
                .contains("data.notes.txt uses a class file under a resource name (hidden code)")
                .contains("scan.Clock.run uses java.time.Instant (not on the allowlist)")
                .doesNotContain("plain.txt");
    }

    @Test
    void aZipBombIsRefusedBeforeItIsInflated() throws IOException {
        // 20 MiB of zeros deflates to about 20 KiB: the scan stops at 16 MiB instead of holding it all
        Path bomb = dir.resolve("bomb.jar");
        try (var jos = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(bomb))) {
            jos.putNextEntry(new java.util.jar.JarEntry("zeros.bin"));
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < 20; i++) {
                jos.write(mib);
            }
            jos.closeEntry();
        }
        assertThat(java.nio.file.Files.size(bomb)).isLessThan(1 << 20);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BytecodeScanner.scan(bomb)).isInstanceOf(IOException.class)
                .hasMessageContaining("entry zeros.bin inflates to more than " + BytecodeScanner.MAX_ENTRY_BYTES + " bytes");
        // many entries, each small, in all above the total
        Path wide = dir.resolve("wide.jar");
        try (var jos = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(wide))) {
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < 65; i++) {
                jos.putNextEntry(new java.util.jar.JarEntry("z" + i + ".bin"));
                jos.write(mib);
                jos.closeEntry();
            }
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BytecodeScanner.scan(wide)).isInstanceOf(IOException.class)
                .hasMessageContaining("inflates to more than " + BytecodeScanner.MAX_TOTAL_BYTES + " bytes in all");
    }

    @Test
    void aMalformedClassFileIsAFindingNotACrash() throws IOException {
        Path bad = dir.resolve("bad.jar");
        try (var jos = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(bad))) {
            jos.putNextEntry(new java.util.jar.JarEntry("scan/Bad.class"));
            jos.write(new byte[] {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 65, 0, 99});
            jos.closeEntry();
        }
        List<BytecodeScanner.Finding> f = BytecodeScanner.scan(bad);
        assertThat(f).singleElement().extracting(BytecodeScanner.Finding::reason).isEqualTo("unreadable bytecode");
    }
}
