package io.backplane.provisioning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The {@code --json} flag shared by every command that prints results: one JSON document (or one JSON line per
 * item for streams) on stdout instead of the human table.
 */
public final class JsonOutput {
    public static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    @Option(names = "--json", description = "Print one JSON document (JSON lines for streams) for scripts.")
    boolean json;

    public boolean enabled() {
        return json;
    }

    /**
     * A verdict document of a command that failed with {@code code} (a refused plugin, a damaged log, a refused
     * signature): the same {@code "error"} member every failure has under {@code --json}, then the verdict's fields.
     */
    public static Map<String, Object> failed(int code, String message, Map<String, ?> verdict) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("error", error);
        doc.putAll(verdict);
        return doc;
    }

    /** Prints {@code doc}: one line of JSON with {@code --json}, else one {@code key: value} line per entry. */
    public void print(PrintWriter out, Map<String, ?> doc) {
        if (json) {
            line(out, doc);
        } else {
            doc.forEach((k, v) -> out.println(k + ": " + v));
            out.flush();
        }
    }

    /** Writes {@code value} as one line of JSON. */
    public static void line(PrintWriter out, Object value) {
        try {
            out.println(MAPPER.writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }
}
