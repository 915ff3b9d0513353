package io.backplane.node.net;

import java.util.Map;

/**
 * A snapshot of one peer's counters.
 *
 * @param connected          our outbound connection to it is up (TLS handshake done)
 * @param inboundConnections its authenticated connections to us now open
 * @param queueDepth         messages waiting in its outbound queue
 * @param sent               per lane: frames written to its socket
 * @param dropped            per lane: frames not delivered to it (queue full and shed, peer blocked, connection lost
 *                           with the frame in flight)
 * @param received           per lane: frames from it handed to {@link Inbound}
 * @param malformedFrames    frames from it that were oversize, empty or named no lane
 * @param inboundErrors      exceptions thrown by {@link Inbound} for its frames
 * @param reconnects         dial attempts after the first
 */
public record PeerStats(boolean connected, int inboundConnections, int queueDepth, Map<Lane, Long> sent,
        Map<Lane, Long> dropped, Map<Lane, Long> received, long malformedFrames, long inboundErrors, long reconnects) {

    public PeerStats {
        sent = Map.copyOf(sent);
        dropped = Map.copyOf(dropped);
        received = Map.copyOf(received);
    }

    /** Frames written to the peer's socket on {@code lane}. */
    public long sent(Lane lane) {
        return sent.getOrDefault(lane, 0L);
    }

    /** Frames for the peer on {@code lane} that were not delivered. */
    public long dropped(Lane lane) {
        return dropped.getOrDefault(lane, 0L);
    }

    /** Frames from the peer on {@code lane} handed to {@link Inbound}. */
    public long received(Lane lane) {
        return received.getOrDefault(lane, 0L);
    }
}
