package io.backplane.node.consensus.types;

/** Decoding limits: every variable-length field is bounded so that hostile bytes cannot make a node allocate. */
public final class Limits {
    /** Most validators a set may have (the signer bitmap is sized from it). */
    public static final int MAX_VALIDATORS = 1024;
    /** A compressed BLS12-381 G2 signature; the simulated scheme's signatures are shorter. */
    public static final int MAX_SIGNATURE = 96;
    /** A compressed BLS12-381 G1 public key. */
    public static final int MAX_PUBLIC_KEY = 48;
    /** Hard cap on a block payload on the wire; the configured limit checked before voting is usually lower. */
    public static final int MAX_PAYLOAD = 16 * 1024 * 1024;
    /** Most rounds in one schedule epoch (the leader list a block may carry). */
    public static final int MAX_SCHEDULE = 4096;
    /** Most blocks in one block-retrieval answer. */
    public static final int MAX_BLOCKS_PER_RESPONSE = 256;

    private Limits() {
    }
}
