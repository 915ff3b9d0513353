/**
 * The mempool: admits client transactions (strict decode, one batched Ed25519 verification through the accelerator,
 * chain id, nonce window, duplicates, bounded by count, bytes and each sender's share, answering Busy with a
 * retry-after when full, never dropping silently) and hands the proposer gap-free, nonce-ordered payloads. It must
 * not execute or change ledger state, read clocks, or remove a transaction before it is committed, its nonce goes
 * stale or it expires (counted in committed blocks).
 */
package io.backplane.node.mempool;
