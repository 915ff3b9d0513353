package io.backplane.node.net;

/**
 * Where the transport delivers frames. Called on a Netty event-loop thread: it must not block (hand work to another
 * executor). An exception thrown from it is caught, logged and counted; it never reaches the event loop.
 */
@FunctionalInterface
public interface Inbound {
    /**
     * One frame from a peer.
     *
     * @param from    the validator index of the peer's authenticated certificate (never a value the peer sent)
     * @param lane    the lane the frame came on
     * @param payload the frame's bytes, owned by the callee
     */
    void received(int from, Lane lane, byte[] payload);
}
