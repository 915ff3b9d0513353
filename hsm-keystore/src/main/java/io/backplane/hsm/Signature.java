package io.backplane.hsm;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A released signature. For a BLS key: the 96-byte compressed G2 point of the Ethereum ciphersuite
 * {@code BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_}; for the EC identity key: a DER ECDSA P-256/SHA-256 signature.
 * {@code repeated} is true when the guard returned the stored signature of identical bytes instead of signing again.
 */
public record Signature(byte[] bytes, boolean repeated) {
    public Signature {
        Objects.requireNonNull(bytes, "bytes");
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Signature s && Arrays.equals(s.bytes, bytes) && s.repeated == repeated;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes) * 31 + Boolean.hashCode(repeated);
    }

    @Override
    public String toString() {
        return "Signature[" + hex() + (repeated ? ", repeated" : "") + "]";
    }
}
