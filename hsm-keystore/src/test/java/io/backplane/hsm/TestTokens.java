package io.backplane.hsm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backplane.hsm.pkcs11.Pkcs11Token;
import io.backplane.hsm.pkcs11.SoftHsm;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real SoftHSM2 tokens for tests: one project-owned SoftHSM config per test JVM (under target/, never the system one),
 * a fresh token per call with a documented test PIN.
 */
public final class TestTokens {
    /** The documented test PIN. Never used outside tests. */
    public static final String TEST_PIN = "test-pin-1234";
    private static final AtomicInteger N = new AtomicInteger();
    private static final String RUN = Long.toString(ProcessHandle.current().pid(), 36);

    private TestTokens() {
    }

    public static Path library() {
        var lib = SoftHsm.findLibrary();
        assumeTrue(lib.isPresent(), "SoftHSM2 is not installed (scripts/install-deps installs softhsm2)");
        return lib.get();
    }

    /** The SoftHSM directory of this JVM: target/softhsm-test. */
    public static SoftHsm softHsm() {
        return new SoftHsm(Path.of("target", "softhsm-test").toAbsolutePath()).activate();
    }

    /** Creates a fresh token and returns its label. */
    public static String newToken(String prefix) {
        String label = (prefix + "-" + RUN + "-" + N.incrementAndGet());
        if (label.length() > 32) {
            label = label.substring(label.length() - 32);
        }
        softHsm().ensureToken(library(), label, TEST_PIN.toCharArray());
        return label;
    }

    public static Pkcs11Token open(String label) {
        return Pkcs11Token.open(library(), label, TEST_PIN.toCharArray(), Clock.systemUTC());
    }
}
