package io.backplane.node.store;

/** The node database's column families, by the name RocksDB stores them under (the name every error message shows). */
enum Column {
    /** Block id (32 bytes) to the block's canonical encoding: committed blocks kept and the uncommitted tail. */
    BLOCKS("blocks"),
    /** Height (8 bytes, big-endian) to the id of the block committed there. */
    COMMITTED("committed"),
    /** Block id to its committed height: the reverse of {@link #COMMITTED}. */
    BLOCK_HEIGHTS("block_heights"),
    /** Block id of an uncommitted block to its save order and round (8 + 8 bytes). */
    TAIL("tail"),
    /** Named entries: the high QC, the high TC, this node's own timeout. */
    CONSENSUS_META("consensus_meta"),
    /** Named entries: the executed height. */
    LEDGER_META("ledger_meta"),
    /** The sparse Merkle tree's nodes and values, opaque keys to opaque values. */
    SMT_NODES("smt_nodes"),
    /** Height to the state root after executing it. */
    STATE_ROOTS("state_roots"),
    /** Transaction hash to the height that committed it. */
    TX_INDEX("tx_index");

    final String cfName;

    Column(String cfName) {
        this.cfName = cfName;
    }
}
