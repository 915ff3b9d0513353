package io.backplane.node.consensus.types;

import java.util.BitSet;

/** Signer bitmaps: validator i is bit (i mod 8) of byte (i / 8); the byte length is ceil(n / 8), no trailing zero bytes beyond it. */
public final class Bitmaps {
    private Bitmaps() {
    }

    public static byte[] encode(BitSet signers, int n) {
        byte[] out = new byte[(n + 7) / 8];
        for (int i = signers.nextSetBit(0); i >= 0; i = signers.nextSetBit(i + 1)) {
            if (i >= n) {
                throw new IllegalArgumentException("signer " + i + " outside a set of " + n);
            }
            out[i / 8] |= (byte) (1 << (i % 8));
        }
        return out;
    }

    public static BitSet decode(byte[] bitmap) {
        BitSet s = new BitSet(bitmap.length * 8);
        for (int i = 0; i < bitmap.length * 8; i++) {
            if ((bitmap[i / 8] & (1 << (i % 8))) != 0) {
                s.set(i);
            }
        }
        return s;
    }
}
