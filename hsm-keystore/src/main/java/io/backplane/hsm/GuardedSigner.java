package io.backplane.hsm;

/**
 * The only signing interface consensus sees. Every call goes through the double-sign guard: a request at or below the
 * key's watermark for its kind is refused with {@link DoubleSignRefused}, unless its bytes are identical to what was
 * signed then, in which case the stored signature is returned again. The watermark is durable before a signature is
 * returned. Raw key bytes never cross this interface. Implementations are thread-safe.
 */
public interface GuardedSigner {
    /**
     * Signs {@code request.bytes()} with the named key after the guard approved it.
     *
     * @throws DoubleSignRefused when the request conflicts with what the key already signed
     * @throws SigningException  when the key is unknown or the signature could not be made durable (retryable says which)
     */
    Signature sign(SigningRequest request);

    /** The public key of {@code keyId} (48-byte compressed G1 for a BLS key). */
    byte[] publicKey(String keyId);
}
