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
                "scan.Identity", cls("Identity", "public int run(Object o) { return System.identityHashCode(o); }"),
                "scan.Runtime", cls("Runtime", "public Object run() throws Exception { return java.lang.Runtime.getRuntime().exec(\"id\"); }")));
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
        assertThat(findings("scan.Clock")).contains("java.time.Instant (clocks)");
        assertThat(findings("scan.Reflect")).contains("java.lang.Class.getDeclaredMethod (reflection)", "java.lang.reflect.Method (reflection)");
        assertThat(findings("scan.Pool")).contains("java.util.concurrent.Executors (concurrency)");
        assertThat(findings("scan.Native")).contains("a native method (native code)");
        assertThat(findings("scan.Loader")).contains("java.lang.Class.forName (class loading)");
        assertThat(findings("scan.Env")).contains("java.lang.System.getenv (the environment)", "java.lang.System.getProperty (the environment)");
        assertThat(findings("scan.Handles")).contains("(method handles)");
        assertThat(findings("scan.Identity")).contains("identity hashes");
        assertThat(findings("scan.Runtime")).contains("java.lang.Runtime (the runtime (exit, exec, memory))");
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
