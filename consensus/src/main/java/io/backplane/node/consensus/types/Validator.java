package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;

/**
 * One validator: its BLS public key (compressed G1, or the simulated scheme's key id), its stake, and its proof of
 * possession of the secret key (DESIGN.md §4: a signature over the public key with the ciphersuite's POP DST, checked
 * by {@link io.backplane.node.consensus.crypto.SignatureScheme#forValidators} before the set is used; QCs rely on
 * fast-aggregate-verify, which is safe against rogue keys only with it). Empty where the key is a plugin-facing id only.
 */
public record Validator(byte[] publicKey, long stake, byte[] proofOfPossession) {
    public Validator {
        if (stake <= 0) {
            throw new IllegalArgumentException("validator stake must be positive, got " + stake);
        }
        publicKey = publicKey.clone();
        proofOfPossession = proofOfPossession.clone();
    }

    /** A validator without a proof of possession: no {@code SignatureScheme} admits it into a set it verifies with. */
    public Validator(byte[] publicKey, long stake) {
        this(publicKey, stake, new byte[0]);
    }

    public void encode(CanonicalWriter w) {
        w.bytes(publicKey).u64(stake).bytes(proofOfPossession);
    }

    public static Validator decode(CanonicalReader r) {
        return new Validator(r.bytes(Limits.MAX_PUBLIC_KEY), r.u64(), r.bytes(Limits.MAX_SIGNATURE));
    }
}
