package io.backplane.plugin.host;

import java.time.Duration;

/**
 * Limits and policies of the enclaves, with their defaults in {@link #defaults()}.
 *
 * @param heapMb                 the child's {@code -Xmx}
 * @param addressSpaceMb         the child's {@code RLIMIT_AS} (virtual memory; the JVM reserves more than its heap)
 * @param cpuSeconds             the child's {@code RLIMIT_CPU}: total CPU seconds over the enclave's life
 * @param callDeadline           how long one call may take before the enclave is killed
 * @param startDeadline          how long a new enclave may take to answer its handshake
 * @param backoffBase            the wait before the first restart; doubles after each further failure
 * @param backoffMax             the longest wait between restarts
 * @param quarantineAfter        consecutive failures (crash, deadline, protocol) after which the plugin is quarantined
 * @param allowWeakSandbox       run untrusted plugins without namespaces when bubblewrap cannot create them
 * @param scanBytecode           run the determinism scan at load; turned off only by tests of the sandbox itself
 * @param dualExecutionEvery     compare two enclaves on every n-th call (0: never)
 */
public record EnclaveSettings(int heapMb, int addressSpaceMb, int cpuSeconds, Duration callDeadline, Duration startDeadline,
                              Duration backoffBase, Duration backoffMax, int quarantineAfter, boolean allowWeakSandbox,
                              boolean scanBytecode, int dualExecutionEvery) {
    public static EnclaveSettings defaults() {
        return new EnclaveSettings(64, 2048, 600, Duration.ofSeconds(2), Duration.ofSeconds(20),
                Duration.ofMillis(500), Duration.ofMinutes(1), 3, false, true, 0);
    }

    /** The enclave's memory and CPU limits ({@code -Xmx}, {@code RLIMIT_AS}, {@code RLIMIT_CPU}). */
    public EnclaveSettings withLimits(int heap, int addressSpace, int cpu) {
        return new EnclaveSettings(heap, addressSpace, cpu, callDeadline, startDeadline, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scanBytecode, dualExecutionEvery);
    }

    public EnclaveSettings withCallDeadline(Duration d) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, d, startDeadline, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scanBytecode, dualExecutionEvery);
    }

    public EnclaveSettings withAllowWeakSandbox(boolean allow) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, backoffBase, backoffMax, quarantineAfter, allow, scanBytecode, dualExecutionEvery);
    }

    /** Only for tests that prove the sandbox holds on its own (the second wall). */
    public EnclaveSettings withScanBytecode(boolean scan) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scan, dualExecutionEvery);
    }

    public EnclaveSettings withDualExecutionEvery(int n) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scanBytecode, n);
    }

    public EnclaveSettings withQuarantineAfter(int n) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, backoffBase, backoffMax, n, allowWeakSandbox, scanBytecode, dualExecutionEvery);
    }
}
