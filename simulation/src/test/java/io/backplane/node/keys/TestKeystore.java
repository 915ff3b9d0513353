package io.backplane.node.keys;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backplane.hsm.keystore.Keystore;
import io.backplane.hsm.pkcs11.SoftHsm;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The one SoftHSM2 keystore of this test JVM: SoftHSM reads one config per process (hsm-keystore README), so every
 * test here that needs a real token opens this home, target/softhsm-consensus-&lt;pid&gt; (made on first use), one at a
 * time. Skips (with the reason) where SoftHSM2 is not installed.
 */
final class TestKeystore {
    /** The documented test PIN (as in hsm-keystore's tests). */
    static final String TEST_PIN = "test-pin-1234";
    private static Keystore.Options options;

    private TestKeystore() {
    }

    static synchronized Keystore open() {
        assumeTrue(SoftHsm.findLibrary().isPresent(), "SoftHSM2 is not installed (scripts/install-deps installs softhsm2)");
        if (options == null) {
            String run = Long.toString(ProcessHandle.current().pid(), 36);
            Path dir = Path.of("target", "softhsm-consensus-" + run).toAbsolutePath();
            String label = "consensus-" + run;
            Keystore.initToken(dir, label, TEST_PIN.toCharArray(), dir.resolve("pin"), Clock.systemUTC());
            options = new Keystore.Options(dir, null, label, "node0", Clock.systemUTC(), 64);
        }
        return Keystore.open(options, TEST_PIN.toCharArray());
    }

    static synchronized Path dir() {
        return options.dir();
    }
}
