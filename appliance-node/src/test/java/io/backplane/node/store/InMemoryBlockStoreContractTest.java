package io.backplane.node.store;

import io.backplane.node.consensus.round.BlockStore;

/** The contract on the in-memory reference: the scenarios state the simulation store's semantics. */
class InMemoryBlockStoreContractTest extends BlockStoreContract {
    private final io.backplane.node.consensus.round.InMemoryBlockStore store = new io.backplane.node.consensus.round.InMemoryBlockStore();

    @Override
    BlockStore store() {
        return store;
    }

    @Override
    void restart() {
    }
}
