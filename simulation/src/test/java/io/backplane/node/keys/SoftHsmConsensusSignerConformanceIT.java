package io.backplane.node.keys;

import io.backplane.hsm.keystore.Keystore;
import io.backplane.node.consensus.safety.ConsensusSigner;
import io.backplane.node.consensus.safety.ConsensusSignerConformance;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard rules over the node's {@link HsmConsensusSigner} on a production {@link Keystore}: a BLS key sealed in a
 * real SoftHSM2 token, the fsynced guard log with its anchor in the token, the audit trail. A restart closes the
 * keystore and opens it again (log, anchor and audit trail checked at open), with the same safety-data file.
 */
class SoftHsmConsensusSignerConformanceIT extends ConsensusSignerConformance {
    @TempDir
    Path dir;
    private Keystore keystore;
    private String keyId;

    @Override
    protected ConsensusSigner open() {
        keystore = TestKeystore.open();
        keyId = keystore.generateBls().id();
        return new HsmConsensusSigner(keystore, keyId, new SafetyDataFile(dir.resolve("safety")));
    }

    @Override
    protected ConsensusSigner restart(ConsensusSigner before) {
        keystore.close();
        keystore = TestKeystore.open();
        return new HsmConsensusSigner(keystore, keyId, new SafetyDataFile(dir.resolve("safety")));
    }

    @Override
    protected void close(ConsensusSigner last) {
        if (keystore != null) {
            keystore.close();
        }
    }
}
