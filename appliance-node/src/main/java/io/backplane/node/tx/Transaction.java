package io.backplane.node.tx;

import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.CodecException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A signed ledger transaction. Canonical encoding ({@link io.backplane.codec.CanonicalWriter} primitives):
 * <pre>
 *   u8 version (1) | string chainId (1..64 bytes UTF-8) | fixed32 sender | u64 nonce | u8 op tag | op fields | fixed64 signature
 *   op 1 Put:      bytes key (1..256) | bytes value (0..4096)
 *   op 2 Delete:   bytes key (1..256)
 *   op 3 Transfer: fixed32 to | u64 amount (below 2^63)
 * </pre>
 * The signature is Ed25519 by {@code sender} over {@link #signingMessage()}: the ASCII domain tag
 * {@code "backplane-tx-v1"} followed by the encoding above without the signature, so a transaction's bytes can never be
 * taken for another kind of signed message. Decoding is strict: one encoding per transaction, nothing trailing, every
 * size capped. Arrays are copied in, and the accessors hand out the record's own arrays (callers must not modify
 * them); equality is by content.
 */
public record Transaction(String chainId, byte[] sender, long nonce, Op op, byte[] signature) {
    /** Encoding version byte. */
    public static final int VERSION = 1;
    /** Longest chain id, in UTF-8 bytes. */
    public static final int MAX_CHAIN_ID_BYTES = 64;
    public static final int PUBLIC_KEY_BYTES = Ed25519Item.PUBLIC_KEY_SIZE;
    public static final int SIGNATURE_BYTES = Ed25519Item.SIGNATURE_SIZE;
    /** The largest encoding any transaction can have (a put with the longest chain id, key and value). */
    public static final int MAX_ENCODED_BYTES = 1 + 4 + MAX_CHAIN_ID_BYTES + PUBLIC_KEY_BYTES + 8 + 1
            + 4 + Op.MAX_KEY_BYTES + 4 + Op.MAX_VALUE_BYTES + SIGNATURE_BYTES;

    private static final byte[] DOMAIN = "backplane-tx-v1".getBytes(StandardCharsets.US_ASCII);
    private static final int TAG_PUT = 1;
    private static final int TAG_DELETE = 2;
    private static final int TAG_TRANSFER = 3;

    public Transaction {
        Objects.requireNonNull(chainId, "chainId");
        int idBytes = chainId.getBytes(StandardCharsets.UTF_8).length;
        if (idBytes == 0 || idBytes > MAX_CHAIN_ID_BYTES) {
            throw new IllegalArgumentException("chain id is " + idBytes + " bytes, must be 1 to " + MAX_CHAIN_ID_BYTES);
        }
        sender = fixed("sender", sender, PUBLIC_KEY_BYTES);
        if (nonce < 0) {
            throw new IllegalArgumentException("nonce " + Long.toUnsignedString(nonce) + " is 2^63 or more");
        }
        Objects.requireNonNull(op, "op");
        signature = fixed("signature", signature, SIGNATURE_BYTES);
    }

    /** Builds and signs a transaction; the sender is {@code key}'s public key. */
    public static Transaction sign(String chainId, Ed25519PrivateKeyParameters key, long nonce, Op op) {
        byte[] sender = key.generatePublicKey().getEncoded();
        Transaction unsigned = new Transaction(chainId, sender, nonce, op, new byte[SIGNATURE_BYTES]);
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        byte[] msg = unsigned.signingMessage();
        signer.update(msg, 0, msg.length);
        return new Transaction(chainId, sender, nonce, op, signer.generateSignature());
    }

    /** {@code "backplane-tx-v1"} followed by the canonical encoding of every field but the signature. */
    public byte[] signingMessage() {
        CanonicalWriter w = new CanonicalWriter(DOMAIN.length + 128);
        w.fixed(DOMAIN, DOMAIN.length);
        writeBody(w);
        return w.toByteArray();
    }

    /** What the batch verifier checks for this transaction. */
    public Ed25519Item verifyItem() {
        return new Ed25519Item(sender.clone(), signingMessage(), signature.clone());
    }

    public byte[] encode() {
        CanonicalWriter w = new CanonicalWriter(128);
        writeBody(w);
        w.fixed(signature, SIGNATURE_BYTES);
        return w.toByteArray();
    }

    /** SHA-256 of {@link #encode()}: the transaction's identity in the mempool, the tx index and the tx root. */
    public byte[] hash() {
        return sha256(encode());
    }

    /**
     * Decodes exactly one canonical transaction; refuses null, oversize, truncated, trailing, unknown version or op,
     * out-of-range sizes and amounts, each with a message naming the field and offset.
     */
    public static Transaction decode(byte[] bytes) throws CodecException {
        if (bytes == null) {
            throw new CodecException("transaction: no bytes (null)");
        }
        if (bytes.length > MAX_ENCODED_BYTES) {
            throw new CodecException("transaction is " + bytes.length + " bytes, more than the limit " + MAX_ENCODED_BYTES);
        }
        CanonicalReader r = new CanonicalReader(bytes);
        int version = r.u8();
        if (version != VERSION) {
            throw new CodecException("transaction: unknown version " + version + " at offset 0 (expected " + VERSION + ")");
        }
        int at = r.position();
        String chainId = r.string(MAX_CHAIN_ID_BYTES);
        if (chainId.isEmpty()) {
            throw new CodecException("transaction: empty chain id at offset " + at);
        }
        byte[] sender = r.fixed(PUBLIC_KEY_BYTES);
        at = r.position();
        long nonce = r.u64();
        if (nonce < 0) {
            throw new CodecException("transaction: nonce at offset " + at + " is 2^63 or more");
        }
        Op op = readOp(r);
        byte[] signature = r.fixed(SIGNATURE_BYTES);
        r.finish();
        return new Transaction(chainId, sender, nonce, op, signature);
    }

    private static Op readOp(CanonicalReader r) {
        int at = r.position();
        int tag = r.u8();
        int fieldAt = r.position();
        try {
            return switch (tag) {
                case TAG_PUT -> new Op.Put(r.bytes(Op.MAX_KEY_BYTES), r.bytes(Op.MAX_VALUE_BYTES));
                case TAG_DELETE -> new Op.Delete(r.bytes(Op.MAX_KEY_BYTES));
                case TAG_TRANSFER -> new Op.Transfer(r.fixed(Op.ACCOUNT_BYTES), r.u64());
                default -> throw new CodecException("transaction: unknown op tag " + tag + " at offset " + at);
            };
        } catch (IllegalArgumentException e) {
            // The length bounds are the reader's; what is left (empty key, amount of 2^63 or more) the op refuses.
            throw new CodecException("transaction: op at offset " + fieldAt + ": " + e.getMessage());
        }
    }

    private void writeBody(CanonicalWriter w) {
        w.u8(VERSION).string(chainId).fixed(sender, PUBLIC_KEY_BYTES).u64(nonce);
        switch (op) {
            case Op.Put p -> w.u8(TAG_PUT).bytes(p.key()).bytes(p.value());
            case Op.Delete d -> w.u8(TAG_DELETE).bytes(d.key());
            case Op.Transfer t -> w.u8(TAG_TRANSFER).fixed(t.to(), Op.ACCOUNT_BYTES).u64(t.amount());
        }
    }

    private static byte[] fixed(String what, byte[] v, int width) {
        Objects.requireNonNull(v, what);
        if (v.length != width) {
            throw new IllegalArgumentException(what + " is " + v.length + " bytes, not " + width);
        }
        return v.clone();
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transaction t && chainId.equals(t.chainId) && Arrays.equals(sender, t.sender)
                && nonce == t.nonce && op.equals(t.op) && Arrays.equals(signature, t.signature);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "Transaction[chainId=" + chainId + ", sender=" + HexFormat.of().formatHex(sender) + ", nonce=" + nonce
                + ", op=" + op + "]";
    }
}
