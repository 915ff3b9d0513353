package io.backplane.node.net;

/**
 * A traffic class on a peer connection, in priority order: {@link #CONSENSUS} is sent first; when a peer is slow its
 * queue sheds {@link #BULK} first, then {@link #SYNC}, and only then old {@link #CONSENSUS} messages.
 */
public enum Lane {
    /** Proposals, votes, timeouts: small, latency-critical. */
    CONSENSUS,
    /** Block and certificate catch-up. */
    SYNC,
    /** Transaction gossip and other bulk data. */
    BULK;

    private static final Lane[] BY_CODE = values();

    /** The lane's byte on the wire (its ordinal). */
    public byte code() {
        return (byte) ordinal();
    }

    /** The lane for a wire byte, or null when the byte names no lane. */
    static Lane ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
