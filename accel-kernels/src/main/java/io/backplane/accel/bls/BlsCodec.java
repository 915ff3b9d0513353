package io.backplane.accel.bls;

/** Flag-bit rules of the ZCash compressed encoding that we enforce before handing bytes to blst. */
final class BlsCodec {
    private BlsCodec() {
    }

    /**
     * Only the compressed form is accepted (c flag set). With the infinity (b) flag, the sign (a) flag and every other
     * bit must be zero. blst checks the same, but it would read an uncompressed-length input when the c flag is
     * clear, so the c flag is checked here first.
     */
    static void checkFlags(byte[] b) {
        int first = b[0] & 0xff;
        if ((first & 0x80) == 0) {
            throw new BlsEncodingException("compression flag (bit 7 of byte 0) is not set");
        }
        if ((first & 0x40) != 0) {
            if ((first & 0x3f) != 0) {
                throw new BlsEncodingException("infinity flag set with the sign flag or coordinate bits set");
            }
            for (int i = 1; i < b.length; i++) {
                if (b[i] != 0) {
                    throw new BlsEncodingException("infinity flag set with a non-zero coordinate");
                }
            }
        }
    }
}
