package io.backplane.node.keys;

import io.backplane.hsm.bls.Bls;
import io.backplane.hsm.guard.GuardedSigning;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.hsm.guard.SigningListener;
import io.backplane.node.consensus.safety.SafetyData;
import io.backplane.node.consensus.safety.SigningRequest;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SigningMessages;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Child JVM of {@link SafetyDataCrashIT}: signs votes for rounds start, start + 1, ... through the adapter over the
 * real guard, and after each released signature appends the round to the "released" file; it is killed with -9 at a
 * random instant.
 */
public final class SafetyDataCrashChild {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long start = Long.parseLong(args[1]);
        byte[] sk = Bls.keyGen(new byte[32]);
        HsmConsensusSigner signer = new HsmConsensusSigner(new GuardedSigning(SigningGuard.open(dir.resolve("guard")), Bls.inMemory("k", sk), SigningListener.NONE),
                "k", new SafetyDataFile(dir.resolve("safety-data")));
        try (FileOutputStream released = new FileOutputStream(dir.resolve("released").toFile(), true)) {
            for (long r = start; ; r++) {
                byte[] msg = SigningMessages.vote(1, r, BlockId.sha256(("block " + r).getBytes(StandardCharsets.US_ASCII)));
                signer.sign(new SigningRequest(1, r, SigningKind.VOTE, msg, new SafetyData(1, r, r - 1, r - 1).encode()));
                released.write((r + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
    }
}
