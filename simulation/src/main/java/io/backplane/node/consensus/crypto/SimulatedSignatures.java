package io.backplane.node.consensus.crypto;

import io.backplane.node.consensus.types.ValidatorSet;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * NOT A REAL SIGNATURE SCHEME: the deterministic simulation's fast stand-in for BLS (a real BLS verify costs
 * about a millisecond, which would make thousands of simulated seeds impossible). A signature is
 * HMAC-SHA256(validator secret, message); an aggregate is the XOR of its parts (order-free, like adding G2
 * points). Verification needs the secrets, so this scheme object is the simulation's trusted oracle: it keeps
 * every key it made, while each simulated validator only gets its own {@link SecretSigner}. Within the
 * simulation a validator therefore cannot forge another's signature: a Byzantine node can sign only with its own
 * key. A proof of possession is HMAC(secret, {@value #POP_DOMAIN} ‖ public key), checked by {@link #forValidators}
 * like the BLS one (a stand-in too: it only shows that a set is refused without a valid one). Production code uses {@link BlsSignatureScheme}; a separate test runs the consensus with it.
 */
public final class SimulatedSignatures implements SignatureScheme {
    static final String POP_DOMAIN = "backplane-sim-pop/v1";
    private final Map<String, byte[]> secretsByPublicKey = new HashMap<>();

    @Override
    public String name() {
        return "simulated-hmac (not secure outside the simulation)";
    }

    @Override
    public SecretSigner keyFromSeed(byte[] ikm) {
        byte[] secret = sha256(ikm);
        byte[] pk = Arrays.copyOf(sha256(secret), 32);
        secretsByPublicKey.put(java.util.HexFormat.of().formatHex(pk), secret);
        return new Key(pk, secret);
    }

    @Override
    public QuorumCrypto forValidators(ValidatorSet validators) {
        Mac[] macs = new Mac[validators.size()];
        for (int i = 0; i < macs.length; i++) {
            byte[] secret = secretsByPublicKey.get(java.util.HexFormat.of().formatHex(validators.get(i).publicKey()));
            if (secret == null) {
                throw new IllegalArgumentException("validator " + i + ": public key was not made by this simulated scheme");
            }
            macs[i] = mac(secret);
            if (!MessageDigest.isEqual(pop(macs[i], validators.get(i).publicKey()), validators.get(i).proofOfPossession())) {
                throw new IllegalArgumentException("validator " + i + ": proof of possession does not verify for its public key (" + POP_DOMAIN + ")");
            }
        }
        return new Quorum(macs);
    }

    static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] pop(Mac mac, byte[] publicKey) {
        mac.update(POP_DOMAIN.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return mac.doFinal(publicKey);
    }

    static Mac mac(byte[] secret) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has HmacSHA256", e);
        }
    }

    private static final class Key implements SecretSigner {
        private final byte[] publicKey;
        private final Mac mac;

        Key(byte[] publicKey, byte[] secret) {
            this.publicKey = publicKey;
            this.mac = mac(secret);
        }

        @Override
        public byte[] publicKey() {
            return publicKey.clone();
        }

        @Override
        public byte[] sign(byte[] message) {
            return mac.doFinal(message);
        }

        @Override
        public byte[] proofOfPossession() {
            return pop(mac, publicKey);
        }
    }

    private record Quorum(Mac[] macs) implements QuorumCrypto {
        @Override
        public boolean verify(int signer, byte[] message, byte[] signature) {
            return signer >= 0 && signer < macs.length && signature != null
                    && MessageDigest.isEqual(macs[signer].doFinal(message), signature);
        }

        @Override
        public byte[] aggregate(List<byte[]> signatures) {
            byte[] acc = new byte[32];
            for (byte[] s : signatures) {
                if (s.length != 32) {
                    throw new IllegalArgumentException("not a simulated signature");
                }
                for (int i = 0; i < 32; i++) {
                    acc[i] ^= s[i];
                }
            }
            return acc;
        }

        @Override
        public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
            if (signers.isEmpty() || signers.length() > macs.length || aggregate == null) {
                return false;
            }
            byte[] acc = new byte[32];
            for (int i = signers.nextSetBit(0); i >= 0; i = signers.nextSetBit(i + 1)) {
                xorInto(acc, macs[i].doFinal(message));
            }
            return MessageDigest.isEqual(acc, aggregate);
        }

        @Override
        public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
            if (signers.length == 0 || signers.length != messages.size() || aggregate == null) {
                return false;
            }
            byte[] acc = new byte[32];
            for (int i = 0; i < signers.length; i++) {
                if (signers[i] < 0 || signers[i] >= macs.length) {
                    return false;
                }
                xorInto(acc, macs[signers[i]].doFinal(messages.get(i)));
            }
            return MessageDigest.isEqual(acc, aggregate);
        }

        private static void xorInto(byte[] acc, byte[] s) {
            for (int i = 0; i < 32; i++) {
                acc[i] ^= s[i];
            }
        }
    }
}
