package io.backplane.provisioning;

import io.backplane.hsm.bls.SealedBlsKeys;
import io.backplane.hsm.keystore.Keystore;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Finds a validator home's BLS key: the one sealed BLS key in its token (a home with several names none: refused). */
final class NodeKeys {
    private NodeKeys() {
    }

    static Optional<SealedBlsKeys.BlsKeyInfo> blsKey(Keystore ks) {
        List<Keystore.KeyInfo> bls = ks.list().stream().filter(k -> k.type().startsWith("bls")).toList();
        if (bls.size() > 1) {
            throw CommandFailure.failure("the token holds " + bls.size() + " BLS keys (" + bls.stream().map(Keystore.KeyInfo::id).toList()
                    + "); a validator home has exactly one");
        }
        return bls.stream().findFirst().map(k -> new SealedBlsKeys.BlsKeyInfo(k.id(), HexFormat.of().parseHex(k.publicKey())));
    }
}
