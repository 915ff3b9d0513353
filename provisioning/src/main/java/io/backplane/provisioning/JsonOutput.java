package io.backplane.provisioning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
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
