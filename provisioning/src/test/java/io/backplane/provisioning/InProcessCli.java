package io.backplane.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;

/** The command line run in this JVM ({@link Main#run}), its exit code and both outputs captured: no child process. */
final class InProcessCli {
    private InProcessCli() {
    }

    /** How a command ended: exit code and everything it wrote. */
    record Result(int code, String out, String err) {
        JsonNode json() throws IOException {
            return JsonOutput.MAPPER.readTree(out);
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }
}
