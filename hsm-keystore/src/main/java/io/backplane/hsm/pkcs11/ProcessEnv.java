package io.backplane.hsm.pkcs11;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.file.Path;

/**
 * Sets {@code SOFTHSM2_CONF} for this process. SoftHSM2 reads its configuration file from that variable once, in
 * {@code C_Initialize}, and the JDK cannot change its own environment, so we call libc {@code setenv} through JNA before
 * the library is first loaded. Consequence, stated plainly: one process uses one SoftHSM configuration (one token
 * directory; several tokens may live in it, found by label). Asking for a second one is refused with both paths named.
 * Child processes get the variable from {@link ProcessBuilder#environment()} instead.
 */
public final class ProcessEnv {
    public static final String SOFTHSM2_CONF = "SOFTHSM2_CONF";

    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);
    }

    private static Path chosen;

    private ProcessEnv() {
    }

    /** Points this process's SoftHSM at {@code conf}; refuses a different file once one was chosen. */
    public static synchronized void useSoftHsmConfig(Path conf) {
        Path abs = conf.toAbsolutePath().normalize();
        if (chosen != null) {
            if (!chosen.equals(abs)) {
                throw new TokenException("this process already uses SoftHSM config " + chosen + "; it cannot switch to " + abs
                        + " (SoftHSM reads SOFTHSM2_CONF once per process: run one node home per process)", false, null);
            }
            return;
        }
        LibC libc = Native.load("c", LibC.class);
        String current = libc.getenv(SOFTHSM2_CONF);
        if (current != null && !current.isEmpty() && !Path.of(current).toAbsolutePath().normalize().equals(abs) && Cryptoki.anyLoaded()) {
            throw new TokenException("SoftHSM was already initialised with " + current + "; cannot use " + abs, false, null);
        }
        if (libc.setenv(SOFTHSM2_CONF, abs.toString(), 1) != 0) {
            throw new TokenException("setenv(SOFTHSM2_CONF) failed", false, null);
        }
        chosen = abs;
    }

    /** The SoftHSM config this process chose, if any. */
    public static synchronized Path chosenSoftHsmConfig() {
        return chosen;
    }
}
