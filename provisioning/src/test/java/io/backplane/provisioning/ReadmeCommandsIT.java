package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The documented command lines themselves, taken from the READMEs: every {@code ./backplane} line parses as a
 * command of this build (commands, subcommands, flags and required flags as written), no line calls the machine's
 * {@code mvn} or {@code java} (Java 17 here: they fail), and the walk-throughs run as written, top to bottom, on an
 * empty home: the plugin lifecycle of plugin-enclave/README.md in process, the keys of hsm-keystore/README.md in
 * child JVMs (SoftHSM reads its configuration once per process).
 */
class ReadmeCommandsIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern FENCE = Pattern.compile("(?ms)^```([a-z]*)\\n(.*?)^```");
    private static final Pattern INLINE = Pattern.compile("`(\\./backplane [^`]+)`");

    @TempDir
    Path dir;

    static List<Path> readmes() throws IOException {
        try (Stream<Path> s = Files.walk(ROOT, 3)) {
            return s.filter(p -> p.getFileName().toString().equals("README.md"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/node_modules/")).sorted().toList();
        }
    }

    /** The shell lines of a README's code blocks (not java/json blocks), comments cut, continuations joined. */
    static List<List<String>> blocks(Path readme) throws IOException {
        List<List<String>> out = new ArrayList<>();
        Matcher m = FENCE.matcher(Files.readString(readme));
        while (m.find()) {
            if (!m.group(1).isEmpty() && !m.group(1).equals("sh") && !m.group(1).equals("bash")) {
                continue;
            }
            List<String> lines = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            for (String raw : m.group(2).split("\n")) {
                String line = raw.replaceFirst("\\s+#\\s.*$", "").replaceFirst("^#.*$", "").strip();
                if (line.endsWith("\\")) {
                    cur.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                cur.append(line);
                if (!cur.toString().isBlank()) {
                    lines.add(cur.toString().strip());
                }
                cur.setLength(0);
            }
            out.add(lines);
        }
        return out;
    }

    /** Words as the shell splits them (quotes removed); enough for the READMEs' lines. */
    static List<String> words(String line) {
        List<String> w = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any || !cur.isEmpty()) {
                    w.add(cur.toString());
                }
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
            }
        }
        if (any || !cur.isEmpty()) {
            w.add(cur.toString());
        }
        return w;
    }

    /** Each {@code ./backplane ...} command of a line (split at {@code &&}, {@code ;} and {@code |}). */
    static List<List<String>> backplaneCommands(String line) {
        List<List<String>> out = new ArrayList<>();
        for (String part : line.split("&&|;|\\|(?![^\\[]*\\])")) {
            List<String> w = words(part.strip());
            if (!w.isEmpty() && w.get(0).equals("./backplane")) {
                out.add(w.subList(1, w.size()));
            }
        }
        return out;
    }

    @Test
    void noDocumentedLineRunsTheMachinesMavenOrJava() throws IOException {
        List<String> bad = new ArrayList<>();
        for (Path readme : readmes()) {
            for (List<String> block : blocks(readme)) {
                for (String line : block) {
                    String first = line.replaceFirst("^time\\s+", "").split("\\s+")[0];
                    if (first.equals("mvn") || first.equals("java")) {
                        bad.add(ROOT.relativize(readme) + ": " + line);
                    }
                }
            }
            Matcher inline = Pattern.compile("`(?:time )?(mvn|java) [^`]*`").matcher(Files.readString(readme));
            while (inline.find()) {
                bad.add(ROOT.relativize(readme) + ": " + inline.group());
            }
        }
        assertThat(bad).as("use scripts/mvn, scripts/java or ./backplane (they find the JDK 25)").isEmpty();
        assertThat(readmes()).hasSizeGreaterThan(6);
    }

    @Test
    void everyDocumentedBackplaneLineParsesAsACommandOfThisBuild() throws IOException {
        List<String> bad = new ArrayList<>();
        int checked = 0;
        for (Path readme : readmes()) {
            List<String> lines = new ArrayList<>();
            blocks(readme).forEach(lines::addAll);
            Matcher inline = INLINE.matcher(Files.readString(readme));
            while (inline.find()) {
                if (!inline.group(1).matches(".*(<|\\.\\.\\.|\\\\\\||\\[).*")) { // templates in prose, not commands
                    lines.add(inline.group(1));
                }
            }
            for (String line : lines) {
                for (List<String> args : backplaneCommands(line.replaceAll("\\s*\\[[^\\]]*\\]", ""))) {
                    checked++;
                    try {
                        Main.commandLine().parseArgs(args.toArray(String[]::new));
                    } catch (CommandLine.ParameterException e) {
                        bad.add(ROOT.relativize(readme) + ": ./backplane " + String.join(" ", args) + " -> " + e.getMessage());
                    }
                }
            }
        }
        assertThat(bad).isEmpty();
        assertThat(checked).isGreaterThan(40);
    }

    @Test
    void theTopReadmesMachineCheckRunsAsWritten() throws Exception {
        List<String> lines = new ArrayList<>();
        blocks(ROOT.resolve("README.md")).forEach(lines::addAll);
        assertThat(lines).contains("./backplane doctor", "./backplane doctor --json", "./backplane version");
        for (String line : lines) {
            for (List<String> args : backplaneCommands(line)) {
                InProcessCli.Result r = InProcessCli.run(args.toArray(String[]::new));
                // doctor exits 1 on a machine missing a required part; it still answers in full.
                assertThat(r.code()).as(line + ": " + r.err()).isIn(ExitCodes.OK, args.get(0).equals("doctor") ? ExitCodes.FAILURE : ExitCodes.OK);
                if (args.contains("--json")) {
                    JsonOutput.MAPPER.readTree(r.out());
                }
            }
        }
    }

    @Test
    void thePluginLifecycleRunsAsWrittenOnAnEmptyHome() throws Exception {
        List<String> walk = blocks(ROOT.resolve("plugin-enclave/README.md")).stream()
                .filter(b -> b.stream().anyMatch(l -> l.contains("plugins keygen"))).findFirst().orElseThrow();
        Map<String, String> names = placeholders();
        Map<String, InProcessCli.Result> results = new HashMap<>();
        for (String line : walk) {
            if (line.startsWith("cp provisioning/target/lib/plugin-samples-")) {
                Files.copy(SamplePluginsJar.in(dir), Path.of(names.get("J")));
                continue;
            }
            if (line.startsWith("echo ")) {
                List<String> w = words(line);
                assertThat(w).hasSize(4).element(2).isEqualTo(">");
                Files.writeString(Path.of(substitute(w.get(3), names)), w.get(1));
                continue;
            }
            List<List<String>> commands = backplaneCommands(line);
            assertThat(commands).as("a walk-through line this test knows how to run: " + line).hasSize(1);
            String[] args = commands.get(0).stream().map(a -> substitute(a, names)).toArray(String[]::new);
            InProcessCli.Result r = InProcessCli.run(args);
            assertThat(r.code()).as(line + "\n" + r.out() + r.err()).isZero();
            results.put(args[0] + " " + args[1], r);
        }
        assertThat(JsonOutput.MAPPER.readTree(results.get("plugins call").out()).get("leaders")).hasSize(3);
        assertThat(JsonOutput.MAPPER.readTree(results.get("plugins epoch").out()).get(0).get("state").asText()).isEqualTo("ACTIVE");
        JsonNode audit = JsonOutput.MAPPER.readTree(results.get("plugins audit-verify").out());
        assertThat(audit.get("intact").asBoolean()).isTrue();
        assertThat(audit.get("entries").asInt()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void theKeysRunAsWrittenOnAnEmptyHomeInTheirDocumentedOrder() throws Exception {
        assumeTrue(io.backplane.hsm.pkcs11.SoftHsm.findLibrary().isPresent(), "SoftHSM2 is not installed (scripts/install-deps installs softhsm2)");
        assumeTrue(System.getenv("BACKPLANE_HSM_PIN") == null, "BACKPLANE_HSM_PIN is set in this environment; the walk uses the PIN file");
        List<String> walk = blocks(ROOT.resolve("hsm-keystore/README.md")).stream()
                .filter(b -> b.stream().anyMatch(l -> l.contains("keys init-token"))).findFirst().orElseThrow();
        Map<String, String> names = placeholders();
        List<String> order = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String line : walk) {
            List<String> args = backplaneCommands(line).get(0);
            if (args.get(0).equals("bench")) {
                continue; // the benchmark takes minutes; BenchCommandIT covers it
            }
            order.add(args.get(1));
            lines.add(String.join("\t", args.stream().map(a -> substitute(a, names)).toList()));
        }
        assertThat(order).containsSubsequence("init-token", "gen-identity", "gen-bls", "sign", "audit-verify");
        // One child JVM runs the lines in order (SoftHSM reads its configuration once per process; one JVM is cheaper).
        Path script = Files.write(dir.resolve("walk.tsv"), lines);
        ChildJvm.Result c = child(KeysWalk.class.getName(), script.toString());
        assertThat(c.code()).as(c.out() + c.err()).isZero();
        List<String> answers = c.out().lines().toList();
        assertThat(answers).hasSize(lines.size());
        for (int i = 0; i < answers.size(); i++) {
            JsonNode a = JsonOutput.MAPPER.readTree(answers.get(i));
            assertThat(a.get("code").asInt()).as(lines.get(i) + "\n" + a).isZero();
            JsonNode doc = JsonOutput.MAPPER.readTree(a.get("out").asText());
            if (order.get(i).equals("audit-verify")) {
                assertThat(doc.get("ok").asBoolean()).as(a.toString()).isTrue();
            }
        }
    }

    /** Runs tab-separated command lines in order; {@code ID} is the id the last {@code keys gen-bls} printed. */
    public static final class KeysWalk {
        public static void main(String[] args) throws Exception {
            String id = "ID";
            for (String line : Files.readAllLines(Path.of(args[0]))) {
                String[] words = line.split("\t");
                for (int i = 0; i < words.length; i++) {
                    words[i] = words[i].equals("ID") ? id : words[i];
                }
                java.io.StringWriter out = new java.io.StringWriter();
                java.io.StringWriter err = new java.io.StringWriter();
                int code = Main.run(words, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
                if (words.length > 1 && words[1].equals("gen-bls") && code == 0) {
                    id = JsonOutput.MAPPER.readTree(out.toString()).get("id").asText();
                }
                System.out.println(JsonOutput.MAPPER.writeValueAsString(Map.of("code", code, "out", out.toString(), "err", err.toString())));
            }
        }
    }

    private ChildJvm.Result child(String mainClass, String... args) throws Exception {
        return ChildJvm.in(dir).run(mainClass, args);
    }

    /** The READMEs' placeholders, as fresh paths under this test's directory. */
    private Map<String, String> placeholders() {
        Map<String, String> m = new HashMap<>();
        m.put("H", dir.resolve("home").toString());
        m.put("DIR", dir.resolve("home").toString());
        m.put("J", dir.resolve("plugin.jar").toString());
        m.put("M", dir.resolve("plugin.manifest.json").toString());
        m.put("R", dir.resolve("report.json").toString());
        m.put("KEYS", dir.resolve("keys").toString());
        m.put("in.json", dir.resolve("in.json").toString());
        return m;
    }

    private static String substitute(String word, Map<String, String> names) {
        if (names.containsKey(word)) {
            return names.get(word);
        }
        int slash = word.indexOf('/');
        return slash > 0 && names.containsKey(word.substring(0, slash)) ? names.get(word.substring(0, slash)) + word.substring(slash) : word;
    }

}
