package io.backplane.provisioning;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code backplane version}: the build's version and the JVM it runs on. */
@Command(name = "version", description = "Print the Backplane version and the Java runtime.")
public final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JsonOutput json;

    public static String version() {
        try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Integer call() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", version());
        info.put("java", Runtime.version().toString());
        info.put("javaHome", System.getProperty("java.home"));
        if (json.enabled()) {
            JsonOutput.line(spec.commandLine().getOut(), info);
        } else {
            spec.commandLine().getOut().println("backplane " + info.get("version") + " (Java " + info.get("java") + ", " + info.get("javaHome") + ")");
        }
        return ExitCodes.OK;
    }
}
