package io.backplane.plugin.host;

import java.time.Duration;

/**
 * Limits and policies of the enclaves, with their defaults in {@link #defaults()}.
 *
 * @param heapMb                 the child's {@code -Xmx}
 * @param addressSpaceMb         the child's {@code RLIMIT_AS} (virtual memory; the JVM reserves more than its heap)
 * @param cpuSeconds             the child's {@code RLIMIT_CPU}: total CPU seconds over the enclave's life
 * @param callDeadline           how long one call may take before the enclave is killed
 * @param startDeadline          how long the enclave's JVM may take to answer its handshake (trusted code only: the
 *                               plugin is not loaded yet)
 * @param initDeadline           how long loading the plugin class and running its constructor may take
 * @param backoffBase            the wait before the first restart; doubles after each further failure
 * @param backoffMax             the longest wait between restarts
 * @param quarantineAfter        consecutive failures (crash, deadline, protocol, plugin error) after which the plugin
 *                               is quarantined
 * @param allowWeakSandbox       run untrusted plugins without the sandbox's walls when bubblewrap cannot raise them all
 * @param scanBytecode           run the determinism scan at load; turned off only by tests of the sandbox itself
 * @param dualExecutionEvery     compare with a second, fresh enclave on every n-th call (0: never)
 * @param tmpfsMb                the size of the enclave's private {@code /tmp}
 * @param maxTasks               processes and threads the enclave may run ({@code RLIMIT_NPROC} budget; the JVM
 *                               itself needs about 15)
 */
public record EnclaveSettings(int heapMb, int addressSpaceMb, int cpuSeconds, Duration callDeadline, Duration startDeadline,
                              Duration initDeadline, Duration backoffBase, Duration backoffMax, int quarantineAfter,
                              boolean allowWeakSandbox, boolean scanBytecode, int dualExecutionEvery, int tmpfsMb, int maxTasks) {
    public static EnclaveSettings defaults() {
        return new EnclaveSettings(64, 2048, 600, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(2),
                Duration.ofMillis(500), Duration.ofMinutes(1), 3, false, true, 0, 16, 64);
    }

    /** The enclave's memory and CPU limits ({@code -Xmx}, {@code RLIMIT_AS}, {@code RLIMIT_CPU}). */
    public EnclaveSettings withLimits(int heap, int addressSpace, int cpu) {
        return new EnclaveSettings(heap, addressSpace, cpu, callDeadline, startDeadline, initDeadline, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scanBytecode, dualExecutionEvery, tmpfsMb, maxTasks);
    }

    /** The size of {@code /tmp} and the task budget of each enclave. */
    public EnclaveSettings withTmpfsAndTasks(int tmpMb, int tasks) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, initDeadline, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scanBytecode, dualExecutionEvery, tmpMb, tasks);
    }

    public EnclaveSettings withCallDeadline(Duration d) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, d, startDeadline, initDeadline, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scanBytecode, dualExecutionEvery, tmpfsMb, maxTasks);
    }

    public EnclaveSettings withInitDeadline(Duration d) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, d, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scanBytecode, dualExecutionEvery, tmpfsMb, maxTasks);
    }

    public EnclaveSettings withAllowWeakSandbox(boolean allow) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, initDeadline, backoffBase, backoffMax, quarantineAfter, allow, scanBytecode, dualExecutionEvery, tmpfsMb, maxTasks);
    }

    /** Only for tests that prove the sandbox holds on its own (the second wall). */
    public EnclaveSettings withScanBytecode(boolean scan) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, initDeadline, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scan, dualExecutionEvery, tmpfsMb, maxTasks);
    }

    public EnclaveSettings withDualExecutionEvery(int n) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, initDeadline, backoffBase, backoffMax, quarantineAfter, allowWeakSandbox, scanBytecode, n, tmpfsMb, maxTasks);
    }

    public EnclaveSettings withQuarantineAfter(int n) {
        return new EnclaveSettings(heapMb, addressSpaceMb, cpuSeconds, callDeadline, startDeadline, initDeadline, backoffBase, backoffMax, n, allowWeakSandbox, scanBytecode, dualExecutionEvery, tmpfsMb, maxTasks);
    }
}
