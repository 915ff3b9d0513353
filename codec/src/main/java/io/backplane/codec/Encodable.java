package io.backplane.codec;

/** A value with a canonical encoding. Implementations write their fields in a fixed, documented order. */
public interface Encodable {
    void encode(CanonicalWriter out);

    default byte[] toCanonicalBytes() {
        CanonicalWriter w = new CanonicalWriter();
        encode(w);
        return w.toByteArray();
    }
}
