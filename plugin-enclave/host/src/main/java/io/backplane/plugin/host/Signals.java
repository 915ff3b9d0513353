package io.backplane.plugin.host;

import com.sun.jna.Native;

/**
 * {@code kill(2)} for the host: Java can only send SIGTERM and SIGKILL, and an enclave is frozen with SIGSTOP between
 * calls (and thawed with SIGCONT before each), so that nothing a plugin started runs after its answer. JNA direct
 * mapping (about a microsecond a call); when the native library cannot load, {@link #available()} says why and the
 * freeze wall is reported as not in force.
 */
final class Signals {
    static final int SIGCONT = 18;
    static final int SIGSTOP = 19;
    private static final String CAUSE;

    static {
        String cause = "";
        try {
            Native.register(Signals.class, "c");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            cause = "cannot bind kill(2) through JNA: " + e.getMessage();
        }
        CAUSE = cause;
    }

    private Signals() {
    }

    private static native int kill(int pid, int sig);

    static boolean available() {
        return CAUSE.isEmpty();
    }

    static String unavailabilityCause() {
        return CAUSE;
    }

    /** Sends {@code sig} to {@code pid}; false when it could not be delivered (the process is gone). */
    static boolean send(long pid, int sig) {
        return available() && kill((int) pid, sig) == 0;
    }
}
