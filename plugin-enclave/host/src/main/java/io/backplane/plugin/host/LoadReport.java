package io.backplane.plugin.host;

import io.backplane.plugin.api.PluginManifest;
import java.util.List;

/**
 * The verdict of the load-time checks on a (manifest, jar) pair: manifest fields, API range, jar digest, author
 * signature, entry class, bytecode scan. {@code manifest} is null when the manifest itself could not be read.
 */
public record LoadReport(PluginManifest manifest, List<String> problems, List<BytecodeScanner.Finding> findings) {
    public LoadReport {
        problems = List.copyOf(problems);
        findings = List.copyOf(findings);
    }

    public boolean accepted() {
        return problems.isEmpty() && findings.isEmpty();
    }

    /** All reasons in one line for operators. */
    public String reasons() {
        StringBuilder b = new StringBuilder(String.join("; ", problems));
        for (BytecodeScanner.Finding f : findings) {
            b.append(b.isEmpty() ? "" : "; ").append("scan: ").append(f);
        }
        return b.toString();
    }
}
