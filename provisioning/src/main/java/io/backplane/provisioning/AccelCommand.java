package io.backplane.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.AccelBackend;
import io.backplane.accel.AccelOp;
import io.backplane.accel.Accelerator;
import io.backplane.accel.Backends;
import io.backplane.accel.vdf.VdfOutput;
import io.backplane.accel.vdf.VdfProof;
import io.backplane.accel.bls.BlsAggregateVerifyInput;
import io.backplane.accel.bls.BlsFastAggregateInput;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.vdf.Wesolowski;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.config.NodeHome;
import io.backplane.node.assembly.NodeAssembly;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code backplane accel <op>}: runs one accelerated operation over JSON lines (stdin or {@code --in FILE}) and
 * writes one JSON line per input line, in order, blank and undecodable lines included (they answer an error).
 * Byte fields are hex strings, with or without a {@code 0x} prefix in every op; a line with a field its op does not
 * take, or anything after its JSON value, is refused. For sha256, vdf-verify and ed25519-verify the whole input is one batch,
 * so an operator can compare a device against the CPU on the same file. BLS lines are the {@code input} objects of
 * the official Ethereum vectors (a whole vector object {@code {"input": ...}} is accepted too) and each is one call;
 * the answer is {@code {"output": ...}} as in the vectors, {@code null} where they expect an error. A malformed line
 * answers {@code {"error":{"code":1,"message":...}}} and the other lines still answer; the exit code is then 1.
 */
@Command(name = "accel", description = {"Run a crypto operation over JSON lines, one answer line per input line.",
        "OP, its input line and its answer (byte fields are hex, 0x prefix optional;",
        "other fields are refused):",
        "  sha256                     {msg}                         -> {digest}",
        "  merkle                     {leaves:[...]}                -> {root}",
        "  vdf-eval                   {x,t}                         -> {y,proof}",
        "  vdf-verify                 {x,y,proof,t}                 -> {valid}",
        "  ed25519-verify             {pk,msg,sig}                  -> {valid}",
        "  bls-aggregate              [signature,...]               -> {output}",
        "  bls-aggregate-pubkeys      [pubkey,...]                  -> {output}",
        "  bls-verify                 {pubkey,message,signature}    -> {output}",
        "  bls-fast-aggregate-verify  {pubkeys,message,signature}   -> {output}",
        "  bls-aggregate-verify       {pubkeys,messages,signature}  -> {output}",
        "  bls-batch-verify           {pubkeys,messages,signatures} -> {output,each}",
        "BLS lines: the official vectors' input objects (or whole {input,output}).",
        "A bad line answers {\"error\":{\"code\":1,\"message\":...}} in its place; exit 1."})
public final class AccelCommand implements Callable<Integer> {
    /** Overrides where compiled OpenCL programs are cached (default {@code <home>/cache/opencl}). */

    /** Which backend answers. */
    enum BackendChoice { cpu, opencl, auto }

    static final List<String> OPS = List.of("sha256", "merkle", "vdf-eval", "vdf-verify", "bls-aggregate",
            "bls-aggregate-pubkeys", "bls-verify", "bls-fast-aggregate-verify", "bls-aggregate-verify", "bls-batch-verify",
            "ed25519-verify");
    private static final HexFormat HEX = HexFormat.of();

    /** The fields each op's input line may have; anything else is refused by name. BLS lines may be whole vectors. */
    static final Map<String, List<String>> FIELDS = Map.ofEntries(
            Map.entry("sha256", List.of("msg")), Map.entry("merkle", List.of("leaves")),
            Map.entry("vdf-eval", List.of("x", "t")), Map.entry("vdf-verify", List.of("x", "y", "proof", "t")),
            Map.entry("ed25519-verify", List.of("pk", "msg", "sig")),
            Map.entry("bls-verify", List.of("pubkey", "message", "signature")),
            Map.entry("bls-fast-aggregate-verify", List.of("pubkeys", "message", "signature")),
            Map.entry("bls-aggregate-verify", List.of("pubkeys", "messages", "signature")),
            Map.entry("bls-batch-verify", List.of("pubkeys", "messages", "signatures")),
            Map.entry("bls-aggregate", List.of()), Map.entry("bls-aggregate-pubkeys", List.of()));

    /** Fields of a whole official vector object ({@code {"input": ..., "output": ...}}). */
    private static final List<String> VECTOR_FIELDS = List.of("input", "output");

    /** The op of this run, for the field check of each line. */
    private static final ThreadLocal<String> CURRENT_OP = new ThreadLocal<>();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OP", description = "sha256, merkle, vdf-eval, vdf-verify, bls-aggregate, "
            + "bls-aggregate-pubkeys, bls-verify, bls-fast-aggregate-verify, bls-aggregate-verify, bls-batch-verify, ed25519-verify")
    String op;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "cpu|opencl|auto",
            description = "cpu; opencl (the device accel.device names, else the first); auto (the Accelerator: thresholds and fallback). Default: ${DEFAULT-VALUE}.")
    BackendChoice backend;

    @Option(names = "--in", paramLabel = "FILE", description = "Read JSON lines from FILE instead of stdin.")
    Path in;

    @Mixin
    HomeOption home;

    @Mixin
    JsonOutput json; // output is JSON lines either way; accepted for uniformity with the other commands

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!OPS.contains(op)) {
            throw CommandFailure.usage("unknown op '" + op + "' (known: " + String.join(", ", OPS) + ")");
        }
        List<String> lines;
        try {
            lines = readLines();
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
            throw CommandFailure.failure("cannot read " + (in == null ? "stdin" : in) + ": " + why);
        }
        CURRENT_OP.set(op);
        NodeHome nodeHome = home.resolve();
        String device = home.loadConfig(nodeHome).accel().device();
        try (Ops accel = open(device, nodeHome, err)) {
            List<Map<String, Object>> answers = switch (op) {
                case "sha256" -> sha256(lines, accel);
                case "merkle" -> perLine(lines, n -> Map.of("root", HEX.formatHex(accel.run(AccelOp.MERKLE, hexList(n, "leaves")))));
                case "vdf-eval" -> perLine(lines, n -> {
                    VdfOutput o = Wesolowski.evaluate(hex(n, "x"), integer(n, "t"));
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("y", HEX.formatHex(o.y()));
                    m.put("proof", HEX.formatHex(o.proof()));
                    return m;
                });
                case "vdf-verify" -> vdfVerify(lines, accel);
                case "ed25519-verify" -> ed25519Verify(lines, accel);
                case "bls-aggregate" -> perLine(lines, n -> point(accel.run(AccelOp.BLS_AGGREGATE, blsList(input(n), "signatures"))));
                case "bls-aggregate-pubkeys" -> perLine(lines, n -> point(accel.run(AccelOp.BLS_AGGREGATE_PUBKEYS, blsList(input(n), "pubkeys"))));
                case "bls-verify" -> perLine(lines, n -> {
                    JsonNode i = input(n);
                    return output(accel.run(AccelOp.BLS_VERIFY, new BlsSignatureSet(hex0x(i, "pubkey"), hex0x(i, "message"), hex0x(i, "signature"))));
                });
                case "bls-fast-aggregate-verify" -> perLine(lines, n -> {
                    JsonNode i = input(n);
                    return output(accel.run(AccelOp.BLS_FAST_AGGREGATE_VERIFY,
                            new BlsFastAggregateInput(blsList(i.get("pubkeys"), "pubkeys"), hex0x(i, "message"), hex0x(i, "signature"))));
                });
                case "bls-aggregate-verify" -> perLine(lines, n -> {
                    JsonNode i = input(n);
                    return output(accel.run(AccelOp.BLS_AGGREGATE_VERIFY, new BlsAggregateVerifyInput(
                            blsList(i.get("pubkeys"), "pubkeys"), blsList(i.get("messages"), "messages"), hex0x(i, "signature"))));
                });
                default -> perLine(lines, n -> blsBatchVerify(input(n), accel));
            };
            boolean anyError = false;
            for (Map<String, Object> a : answers) {
                JsonOutput.line(out, a);
                anyError |= a.containsKey("error");
            }
            return anyError ? ExitCodes.FAILURE : ExitCodes.OK;
        }
    }

    /** The engine operations as this run answers them, whatever the backend (VDF evaluation is CPU-only everywhere). */
    private interface Ops extends AutoCloseable {
        <I, R> R run(AccelOp<I, R> op, I input);

        @Override
        void close();
    }

    /**
     * cpu and opencl call that backend directly, with no fallback: a device that fails makes the command fail
     * (exit 1), because comparing a device with the CPU is what this command is for. auto goes through the
     * {@link Accelerator}, as the node does.
     */
    private Ops open(String device, NodeHome nodeHome, PrintWriter err) throws IOException {
        if (backend == BackendChoice.auto) {
            // Thresholds from the last `backplane bench` of this device in the home, if any (never guessed here).
            Accelerator a = Backends.openCalibrated(device, NodeAssembly.openClCacheDir(nodeHome), Accelerator.Options.defaults(),
                    nodeHome.dir().resolve(io.backplane.accel.Calibration.FILE), 0);
            return new Ops() {
                public <I, R> R run(AccelOp<I, R> op, I input) {
                    return a.run(op, input);
                }

                public void close() {
                    a.close();
                }
            };
        }
        CpuBackend cpu = new CpuBackend();
        AccelBackend b = backend == BackendChoice.cpu ? cpu
                : Backends.openDevice(device.startsWith("opencl") ? device : "opencl", NodeAssembly.openClCacheDir(nodeHome)).orElseThrow();
        boolean[] told = {false};
        return new Ops() {
            /** An operation the device has no kernel for is answered by the CPU, and stderr says so once. */
            public <I, R> R run(AccelOp<I, R> op, I input) {
                op.validate().accept(input);
                if (b.supports(op)) {
                    return op.call().apply(b, input);
                }
                if (!told[0]) {
                    err.println("backplane accel: " + op.name() + " has no kernel on " + b.describe() + "; the CPU answered");
                    told[0] = true;
                }
                return op.call().apply(cpu, input);
            }

            public void close() {
                b.close();
            }
        };
    }



    /** A line that could not be decoded; it answers an error in its place. */
    static final String UNDECODABLE = "\u0000undecodable";

    /**
     * Every line of the input, in order: from a file and from stdin alike, a line that is not valid UTF-8 becomes
     * {@link #UNDECODABLE} (answered with an error in its place) instead of losing the batch or being read with
     * replacement characters. A final newline does not start another line.
     */
    private List<String> readLines() throws IOException {
        byte[] all = in != null ? Files.readAllBytes(in) : System.in.readAllBytes();
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length ? i > start : all[i] == '\n') {
                int end = i > start && all[i - 1] == '\r' ? i - 1 : i;
                lines.add(decode(all, start, end));
                start = i + 1;
            }
        }
        return lines;
    }

    private static String decode(byte[] b, int from, int to) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, from, to - from)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return UNDECODABLE;
        }
    }

    private static List<Map<String, Object>> sha256(List<String> lines, Ops accel) {
        return batched(lines, n -> hex(n, "msg"), in -> accel.run(AccelOp.SHA256, in), d -> Map.of("digest", HEX.formatHex(d)));
    }

    private static List<Map<String, Object>> vdfVerify(List<String> lines, Ops accel) {
        return batched(lines, n -> new VdfProof(hex(n, "x"), hex(n, "y"), hex(n, "proof"), integer(n, "t")),
                proofs -> {
                    boolean[] v = accel.run(AccelOp.VDF_VERIFY, proofs);
                    List<Boolean> l = new ArrayList<>(v.length);
                    for (boolean b : v) {
                        l.add(b);
                    }
                    return l;
                }, b -> Map.of("valid", b));
    }

    private static List<Map<String, Object>> ed25519Verify(List<String> lines, Ops accel) {
        return batched(lines, n -> new Ed25519Item(hex0x(n, "pk"), hex0x(n, "msg"), hex0x(n, "sig")),
                items -> booleans(accel.run(AccelOp.ED25519_VERIFY, items)), b -> Map.of("valid", b));
    }

    /** {@code {"output": all valid, "each": [per-triple answers]}}; the three lists must have the same length. */
    private static Map<String, Object> blsBatchVerify(JsonNode in, Ops accel) {
        List<byte[]> pks = blsList(in.get("pubkeys"), "pubkeys");
        List<byte[]> msgs = blsList(in.get("messages"), "messages");
        List<byte[]> sigs = blsList(in.get("signatures"), "signatures");
        if (pks.size() != msgs.size() || pks.size() != sigs.size()) {
            throw new IllegalArgumentException("pubkeys, messages and signatures must have the same length, got "
                    + pks.size() + ", " + msgs.size() + ", " + sigs.size());
        }
        List<BlsSignatureSet> sets = new ArrayList<>(pks.size());
        for (int i = 0; i < pks.size(); i++) {
            sets.add(new BlsSignatureSet(pks.get(i), msgs.get(i), sigs.get(i)));
        }
        List<Boolean> each = booleans(accel.run(AccelOp.BLS_BATCH_VERIFY, sets));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("output", !each.isEmpty() && !each.contains(false)); // batch_verify of the vectors: empty is invalid
        m.put("each", each);
        return m;
    }

    private static List<Boolean> booleans(boolean[] v) {
        List<Boolean> l = new ArrayList<>(v.length);
        for (boolean b : v) {
            l.add(b);
        }
        return l;
    }

    /** The vector's {@code input} when the line is a whole vector object, else the line itself. */
    private static JsonNode input(JsonNode line) {
        return line.isObject() && line.has("input") ? line.get("input") : line;
    }

    private static Map<String, Object> output(Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("output", value);
        return m;
    }

    /** {@code {"output": "0x..."}}, or {@code {"output": null}} where the spec says the input is invalid. */
    private static Map<String, Object> point(Optional<byte[]> p) {
        return output(p.map(b -> "0x" + HEX.formatHex(b)).orElse(null));
    }

    /** A JSON array of hex strings (with or without 0x), as the vectors write them. */
    private static List<byte[]> blsList(JsonNode v, String field) {
        if (v == null || !v.isArray()) {
            throw new IllegalArgumentException(field + ": missing or not an array");
        }
        List<byte[]> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw new IllegalArgumentException(field + "[" + i + "]: not a string");
            }
            out.add(hexValue(field + "[" + i + "]", strip0x(v.get(i).asText())));
        }
        return out;
    }

    private static byte[] hex0x(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(field + ": missing or not a string");
        }
        return hexValue(field, strip0x(v.asText()));
    }

    private static String strip0x(String s) {
        return s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
    }

    /** Parses every line; the good ones go to the backend as one batch; answers come back in input order. */
    private static <I, R> List<Map<String, Object>> batched(List<String> lines, Function<JsonNode, I> parse,
                                                            Function<List<I>, List<R>> run, Function<R, Map<String, Object>> render) {
        List<Map<String, Object>> answers = new ArrayList<>(lines.size());
        List<I> batch = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        for (String line : lines) {
            try {
                batch.add(parse.apply(parseLine(line)));
                where.add(answers.size());
                answers.add(null);
            } catch (IllegalArgumentException e) {
                answers.add(error(e));
            }
        }
        List<R> results = run.apply(batch);
        for (int i = 0; i < results.size(); i++) {
            answers.set(where.get(i), render.apply(results.get(i)));
        }
        return answers;
    }

    private static List<Map<String, Object>> perLine(List<String> lines, Function<JsonNode, Map<String, Object>> f) {
        List<Map<String, Object>> answers = new ArrayList<>(lines.size());
        for (String line : lines) {
            try {
                answers.add(f.apply(parseLine(line)));
            } catch (IllegalArgumentException e) {
                answers.add(error(e));
            }
        }
        return answers;
    }

    /** The one error shape of the command line ({@code {"error":{"code":1,"message":...}}}), per line. */
    private static Map<String, Object> error(Exception e) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", ExitCodes.FAILURE);
        error.put("message", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        return Map.of("error", error);
    }

    private static JsonNode parseLine(String line) {
        if (line.equals(UNDECODABLE)) {
            throw new IllegalArgumentException("not valid UTF-8");
        }
        if (line.isBlank()) {
            throw new IllegalArgumentException("blank line (every input line is answered; remove it)");
        }
        JsonNode n;
        try (com.fasterxml.jackson.core.JsonParser p = JsonOutput.MAPPER.createParser(line)) {
            n = JsonOutput.MAPPER.readTree(p);
            boolean trailing;
            try {
                trailing = p.nextToken() != null;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                trailing = true;
            }
            if (trailing) {
                throw new IllegalArgumentException("not JSON: something follows the JSON value on this line (one value per line)");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (n == null || !(n.isObject() || n.isArray())) {
            throw new IllegalArgumentException("not a JSON object or array");
        }
        checkFields(n, CURRENT_OP.get());
        return n;
    }

    /** Refuses a field the op does not take, naming it (a misspelt field would otherwise read as missing). */
    private static void checkFields(JsonNode n, String op) {
        if (op == null || !n.isObject()) {
            return;
        }
        List<String> allowed = FIELDS.getOrDefault(op, List.of());
        JsonNode fields = n;
        if (op.startsWith("bls-") && n.has("input")) {
            checkNames(n, VECTOR_FIELDS, op + " vector");
            fields = n.get("input");
            if (!fields.isObject()) {
                return;
            }
        }
        checkNames(fields, allowed, op);
    }

    private static void checkNames(JsonNode n, List<String> allowed, String what) {
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new IllegalArgumentException("unknown field '" + f + "' (" + what + " takes "
                        + (allowed.isEmpty() ? "a JSON array" : String.join(", ", allowed)) + ")");
            }
        }
    }

    private static byte[] hex(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(field + ": missing or not a string");
        }
        return hexValue(field, strip0x(v.asText()));
    }

    private static byte[] hexValue(String field, String s) {
        if (s.length() % 2 != 0) {
            throw new IllegalArgumentException(field + ": odd number of hex digits");
        }
        try {
            return HEX.parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": not hex");
        }
    }

    private static List<byte[]> hexList(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) {
            throw new IllegalArgumentException(field + ": missing or not an array");
        }
        List<byte[]> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw new IllegalArgumentException(field + "[" + i + "]: not a string");
            }
            out.add(hexValue(field + "[" + i + "]", strip0x(v.get(i).asText())));
        }
        return out;
    }

    private static long integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(field + ": missing or not an integer");
        }
        return v.asLong();
    }

}
