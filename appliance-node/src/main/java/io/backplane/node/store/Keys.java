package io.backplane.node.store;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Key and value layouts shared by the stores: heights as 8 big-endian bytes (so RocksDB's byte order is height order). */
final class Keys {
    private Keys() {
    }

    static byte[] height(long h) {
        if (h < 0) {
            throw new IllegalArgumentException("negative height " + h);
        }
        return u64(h);
    }

    static byte[] u64(long v) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    static long u64(byte[] b, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[offset + i] & 0xFF);
        }
        return v;
    }

    /** A value that must be one u64 (a height), or a {@link StoreCorruptedException} naming where it lies. */
    static long u64Value(String column, byte[] key, byte[] value) {
        if (value.length != 8) {
            throw new StoreCorruptedException(column, key, "expected an 8-byte height, found " + value.length + " byte(s)");
        }
        long v = u64(value, 0);
        if (v < 0) {
            throw new StoreCorruptedException(column, key, "height " + Long.toUnsignedString(v) + " is out of range");
        }
        return v;
    }

    static byte[] name(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A key for messages: ASCII names as they are, anything else in hex. */
    static String show(byte[] key) {
        boolean printable = key.length > 0;
        for (byte b : key) {
            printable &= b >= 0x21 && b < 0x7F;
        }
        return printable ? "'" + new String(key, StandardCharsets.US_ASCII) + "'" : "0x" + HexFormat.of().formatHex(key);
    }
}
