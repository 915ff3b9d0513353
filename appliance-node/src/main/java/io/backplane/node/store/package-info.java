/**
 * Durable node storage (issue 15, DESIGN.md §8): planned RocksDB column families for blocks, QCs, committed index, state.
 * It must not report a commit before it is synced.
 */
package io.backplane.node.store;
