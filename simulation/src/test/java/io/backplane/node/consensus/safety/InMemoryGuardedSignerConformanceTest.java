package io.backplane.node.consensus.safety;

import io.backplane.node.consensus.crypto.SimulatedSignatures;
import java.nio.charset.StandardCharsets;

/**
 * The guard rules over the simulation's {@link InMemoryGuardedSigner}. Its restart is the simulation's: the object
 * stands for what the durable guard keeps on disk and is kept across a node's crash (it has no other restore path).
 */
class InMemoryGuardedSignerConformanceTest extends ConsensusSignerConformance {
    @Override
    protected ConsensusSigner open() {
        return new InMemoryGuardedSigner(new SimulatedSignatures().keyFromSeed(
                "in-memory guard conformance key, 32+ bytes".getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    protected ConsensusSigner restart(ConsensusSigner before) {
        return before;
    }
}
