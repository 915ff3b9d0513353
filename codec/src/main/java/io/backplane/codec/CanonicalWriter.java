package io.backplane.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Writes the canonical encoding. Every value has exactly one encoding:
 * <ul>
 *   <li>{@code u8/u16/u32/u64}: big-endian, fixed width (u64 is written from a Java {@code long} as unsigned);</li>
 *   <li>{@code bool}: one byte, 0 or 1;</li>
 *   <li>{@code bytes}: u32 length, then the bytes; {@code fixed}: the bytes only, the width is part of the schema;</li>
 *   <li>{@code string}: UTF-8 as {@code bytes};</li>
 *   <li>{@code list}: u32 count, then each element;</li>
 *   <li>{@code optional}: one byte 0 (absent) or 1 followed by the value.</li>
 * </ul>
 * Not thread-safe; one writer per message.
 */
public final class CanonicalWriter {
    private final ByteArrayOutputStream out;

    public CanonicalWriter() {
        this(64);
    }

    public CanonicalWriter(int initialCapacity) {
        this.out = new ByteArrayOutputStream(initialCapacity);
    }

    public CanonicalWriter u8(int v) {
        if (v < 0 || v > 0xFF) {
            throw new IllegalArgumentException("u8 out of range: " + v);
        }
        out.write(v);
        return this;
    }

    public CanonicalWriter u16(int v) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException("u16 out of range: " + v);
        }
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    public CanonicalWriter u32(long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("u32 out of range: " + v);
        }
        for (int shift = 24; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift));
        }
        return this;
    }

    /** Writes all 64 bits of {@code v}, read as an unsigned number. */
    public CanonicalWriter u64(long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift));
        }
        return this;
    }

    public CanonicalWriter bool(boolean v) {
        out.write(v ? 1 : 0);
        return this;
    }

    public CanonicalWriter bytes(byte[] v) {
        u32(v.length);
        out.writeBytes(v);
        return this;
    }

    /** Writes exactly {@code width} bytes; the width is not encoded. */
    public CanonicalWriter fixed(byte[] v, int width) {
        if (v.length != width) {
            throw new IllegalArgumentException("fixed field must be " + width + " bytes, got " + v.length);
        }
        out.writeBytes(v);
        return this;
    }

    public CanonicalWriter string(String v) {
        return bytes(v.getBytes(StandardCharsets.UTF_8));
    }

    public <T> CanonicalWriter list(List<T> items, BiConsumer<CanonicalWriter, T> element) {
        u32(items.size());
        for (T item : items) {
            element.accept(this, item);
        }
        return this;
    }

    public <T> CanonicalWriter optional(T value, BiConsumer<CanonicalWriter, T> element) {
        if (value == null) {
            return u8(0);
        }
        u8(1);
        element.accept(this, value);
        return this;
    }

    public int size() {
        return out.size();
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
