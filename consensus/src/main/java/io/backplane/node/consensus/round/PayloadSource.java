package io.backplane.node.consensus.round;

/** What a leader puts in its block (the mempool in part 2). */
public interface PayloadSource {
    byte[] nextPayload(long round);
}
