package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** A 32-byte SHA-256 digest naming a block (the hash of its canonical header). Immutable; equal by content. */
public final class BlockId {
    public static final int LENGTH = 32;
    /** The id that the genesis block's anchor certificate points at. */
    public static final BlockId ZERO = new BlockId(new byte[LENGTH]);

    private final byte[] bytes;

    private BlockId(byte[] bytes) {
        this.bytes = bytes;
    }

    public static BlockId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("block id must be " + LENGTH + " bytes, got " + bytes.length);
        }
        return new BlockId(bytes.clone());
    }

    public static BlockId sha256(byte[] data) {
        return new BlockId(sha256Bytes(data));
    }

    static byte[] sha256Bytes(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public void encode(CanonicalWriter w) {
        w.fixed(bytes, LENGTH);
    }

    public static BlockId decode(CanonicalReader r) {
        return new BlockId(r.fixed(LENGTH));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public String toString() {
        return hex().substring(0, 12);
    }
}
