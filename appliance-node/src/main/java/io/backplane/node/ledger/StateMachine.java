package io.backplane.node.ledger;

import java.util.List;

/** API draft (issue 15): executes a committed block's transactions deterministically. */
public interface StateMachine {
    /** Applies the encoded transactions of the block at {@code height}; returns the new 32-byte state root. */
    byte[] execute(long height, List<byte[]> encodedTxs);

    /** The current 32-byte state root. */
    byte[] stateRoot();
}
