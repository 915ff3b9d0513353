package io.backplane.codec;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the canonical encoding written by {@link CanonicalWriter}. Every read checks bounds, every
 * variable length is checked against both the bytes left and a caller-given maximum, and
 * {@link #finish()} rejects trailing bytes, so that a decoded value has exactly one encoding.
 * Failures throw {@link CodecException} naming the offset and the field.
 */
public final class CanonicalReader {
    private final byte[] buf;
    private int pos;

    public CanonicalReader(byte[] buf) {
        this.buf = buf;
    }

    /** Decodes a whole buffer with {@code decoder} and rejects trailing bytes. */
    public static <T> T decode(byte[] bytes, Function<CanonicalReader, T> decoder) {
        CanonicalReader r = new CanonicalReader(bytes);
        T value = decoder.apply(r);
        r.finish();
        return value;
    }

    public int u8() {
        need(1, "u8");
        return buf[pos++] & 0xFF;
    }

    public int u16() {
        need(2, "u16");
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    public long u32() {
        need(4, "u32");
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    /** The 64 bits as a Java long (values of 2^63 and more come out negative: compare with {@link Long#compareUnsigned}). */
    public long u64() {
        need(8, "u64");
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    public boolean bool() {
        int at = pos;
        int v = u8();
        if (v > 1) {
            throw new CodecException("bool at offset " + at + " must be 0 or 1, got " + v);
        }
        return v == 1;
    }

    public byte[] bytes(int maxLength) {
        int at = pos;
        long len = u32();
        if (len > maxLength) {
            throw new CodecException("byte string at offset " + at + " is " + len + " bytes, more than the limit " + maxLength);
        }
        if (len > remaining()) {
            throw new CodecException("byte string at offset " + at + " declares " + len + " bytes but only " + remaining() + " remain");
        }
        return take((int) len);
    }

    public byte[] fixed(int width) {
        need(width, "fixed(" + width + ")");
        return take(width);
    }

    public String string(int maxBytes) {
        int at = pos;
        byte[] raw = bytes(maxBytes);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CodecException("string at offset " + at + " is not valid UTF-8");
        }
    }

    public <T> List<T> list(int maxCount, Function<CanonicalReader, T> element) {
        int at = pos;
        long count = u32();
        if (count > maxCount) {
            throw new CodecException("list at offset " + at + " has " + count + " elements, more than the limit " + maxCount);
        }
        // Every element takes at least one byte, so a count above the bytes left is a lie we can reject early.
        if (count > remaining()) {
            throw new CodecException("list at offset " + at + " declares " + count + " elements but only " + remaining() + " bytes remain");
        }
        List<T> items = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            items.add(element.apply(this));
        }
        return List.copyOf(items);
    }

    /** Returns null when absent. */
    public <T> T optional(Function<CanonicalReader, T> element) {
        int at = pos;
        int tag = u8();
        return switch (tag) {
            case 0 -> null;
            case 1 -> element.apply(this);
            default -> throw new CodecException("optional tag at offset " + at + " must be 0 or 1, got " + tag);
        };
    }

    public int position() {
        return pos;
    }

    public int remaining() {
        return buf.length - pos;
    }

    /** Rejects trailing bytes. */
    public void finish() {
        if (pos != buf.length) {
            throw new CodecException(remaining() + " trailing byte(s) after offset " + pos);
        }
    }

    private void need(int n, String what) {
        if (remaining() < n) {
            throw new CodecException("truncated input: " + what + " at offset " + pos + " needs " + n + " byte(s), " + remaining() + " remain");
        }
    }

    private byte[] take(int n) {
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }
}
