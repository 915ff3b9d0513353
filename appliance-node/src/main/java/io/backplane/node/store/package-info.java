/**
 * The node database: one embedded RocksDB directory (a column family per kind of record) behind the consensus core's
 * {@code BlockStore} and the ledger's {@code LedgerStore}; it must never answer from a damaged value (it names the
 * column family and key instead) nor share a directory with another process.
 *
 * <p>What is synchronous: every write is one RocksDB batch written with {@code sync=true}, so the WAL is fsynced before
 * the call returns: a saved block, certificate or own timeout survives a power cut before the node votes or signs on
 * it, and a committed range is durable (blocks, height index and tail removal in one batch) before any client hears
 * "committed". The ledger's tree writes are not written at all until {@code commit}, which writes them with the
 * executed height, the root and the transaction index as one synced batch. Reads never wait for the disk beyond
 * RocksDB's own caches; nothing here flushes memtables (the WAL is the durability). A restart replays the WAL and
 * drops only a torn last record (a write never acknowledged); damage before acknowledged writes fails the open.
 */
package io.backplane.node.store;
