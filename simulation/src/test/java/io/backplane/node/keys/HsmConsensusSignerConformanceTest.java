package io.backplane.node.keys;

import io.backplane.hsm.bls.Bls;
import io.backplane.hsm.guard.GuardedSigning;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.hsm.guard.SigningListener;
import io.backplane.node.consensus.safety.ConsensusSigner;
import io.backplane.node.consensus.safety.ConsensusSignerConformance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guard rules over the node's {@link HsmConsensusSigner} on hsm-keystore's durable guard ({@link SigningGuard}:
 * the fsynced log) and a {@link SafetyDataFile}, with one BLS key in memory. A restart closes the guard and opens the
 * same log and safety-data file again.
 */
class HsmConsensusSignerConformanceTest extends ConsensusSignerConformance {
    private static final String KEY = "conformance";
    private static final byte[] SECRET = Bls.keyGen("durable guard conformance key, 32+ bytes".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;
    private GuardedSigning guarded;

    @Override
    protected ConsensusSigner open() {
        guarded = new GuardedSigning(SigningGuard.open(dir.resolve("guard")), Bls.inMemory(KEY, SECRET), SigningListener.NONE);
        return new HsmConsensusSigner(guarded, KEY, new SafetyDataFile(dir.resolve("safety")));
    }

    @Override
    protected ConsensusSigner restart(ConsensusSigner before) {
        guarded.guard().close();
        return open();
    }

    @Override
    protected void close(ConsensusSigner last) {
        guarded.guard().close();
    }
}
