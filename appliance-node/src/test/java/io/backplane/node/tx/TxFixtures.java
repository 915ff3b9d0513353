package io.backplane.node.tx;

import java.util.Random;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/** Seeded Ed25519 keys and transactions for the ledger tests. */
public final class TxFixtures {
    public static final String CHAIN = "backplane-test";

    private TxFixtures() {
    }

    /** The same key for the same seed, every run. */
    public static Ed25519PrivateKeyParameters key(long seed) {
        byte[] b = new byte[32];
        new Random(seed).nextBytes(b);
        return new Ed25519PrivateKeyParameters(b, 0);
    }

    public static byte[] pk(Ed25519PrivateKeyParameters key) {
        return key.generatePublicKey().getEncoded();
    }

    public static Transaction transfer(Ed25519PrivateKeyParameters from, long nonce, Ed25519PrivateKeyParameters to, long amount) {
        return Transaction.sign(CHAIN, from, nonce, new Op.Transfer(pk(to), amount));
    }

    public static Transaction put(Ed25519PrivateKeyParameters from, long nonce, String key, String value) {
        return Transaction.sign(CHAIN, from, nonce, new Op.Put(key.getBytes(), value.getBytes()));
    }
}
