package io.backplane.node.store;

import io.backplane.node.consensus.round.BlockStore;

/** The contract on the in-memory reference: the scenarios state the simulation store's semantics. */
class InMemoryReferenceBlockStoreTest extends BlockStoreContract {
    private final InMemoryReferenceBlockStore store = new InMemoryReferenceBlockStore();

    @Override
    BlockStore store() {
        return store;
    }

    @Override
    void restart() {
    }
}
