package io.backplane.accel.bls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Seeded batches of BLS triples with forged, mismatched, swapped and malformed entries mixed among valid ones. */
final class BlsRandomSets {
    private BlsRandomSets() {
    }

    static List<BlsSignatureSet> mixed(BlsCpu bls, Random rnd, int n) {
        int keys = 8;
        byte[][] sks = new byte[keys][];
        byte[][] pks = new byte[keys][];
        for (int i = 0; i < keys; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            sks[i] = BlsTestKeys.keyGen(ikm);
            pks[i] = BlsTestKeys.publicKey(sks[i]);
        }
        List<BlsSignatureSet> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = rnd.nextInt(keys);
            byte[] msg = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(100) : 32];
            rnd.nextBytes(msg);
            byte[] sig = BlsTestKeys.sign(sks[k], msg);
            byte[] pk = pks[k];
            switch (rnd.nextInt(8)) {
                case 0 -> { // forged: signed by another key
                    sig = BlsTestKeys.sign(sks[(k + 1) % keys], msg);
                }
                case 1 -> { // mismatched message
                    msg = Arrays.copyOf(msg, msg.length + 1);
                }
                case 2 -> { // swapped: pk/sig of another triple
                    pk = pks[(k + 3) % keys];
                }
                case 3 -> { // malformed: a flipped bit, a truncation, or the point at infinity
                    switch (rnd.nextInt(3)) {
                        case 0 -> sig[1 + rnd.nextInt(94)] ^= (byte) (1 << rnd.nextInt(8));
                        case 1 -> pk = Arrays.copyOf(pk, 47);
                        default -> {
                            pk = new byte[48];
                            pk[0] = (byte) 0xc0;
                        }
                    }
                }
                default -> {
                }
            }
            out.add(new BlsSignatureSet(pk, msg, sig));
        }
        return out;
    }
}
