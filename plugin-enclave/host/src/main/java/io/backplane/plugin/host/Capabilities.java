package io.backplane.plugin.host;

import java.util.List;

/**
 * What this host can run, for capability discovery (admin API, {@code plugins list}): the plugin API versions and
 * kinds it implements, the manifest schema it reads, and its isolation: {@code sandbox} is {@code bubblewrap},
 * {@code weak} (no namespaces, operator-allowed) or {@code unavailable} (untrusted plugins refused; {@code cause} says
 * why); {@code tee} is {@code software} (no hardware TEE quote on these machines); {@code walls} says which of the
 * enclave's walls are in force (user namespace, unprivileged uid, capabilities, no-new-privileges, seccomp, process
 * limit, tmpfs size, frozen between calls, bytecode allowlist).
 */
public record Capabilities(List<String> apiVersions, List<String> kinds, int manifestSchema, String sandbox, String cause, String tee,
                           List<SandboxProbe.Wall> walls) {
}
