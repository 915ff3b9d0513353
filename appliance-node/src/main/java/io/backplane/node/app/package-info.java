/**
 * The ledger application: executes committed payloads deterministically (one signature batch and one sparse Merkle
 * tree batch per block, invalid transactions skipped with a reason, never aborting the block) and answers state reads
 * with proofs against the state root.
 *
 * <p>State layout, every entry a key of the {@link io.backplane.node.ledger.SparseMerkleTree}:
 * <ul>
 *   <li>account: {@code "acct/" || pk} (pk = 32-byte Ed25519 public key) to {@code u64 balance || u64 nonce}
 *       (16 bytes, big-endian); an absent account has balance 0 and next nonce 0;</li>
 *   <li>key-value: {@code "kv/" || owner || key} (owner = 32-byte public key, key 1..256 bytes) to the value; a sender
 *       writes only under its own owner prefix.</li>
 * </ul>
 * Every applied put, delete and transfer raises the sender's nonce by one. It must not read clocks, randomness or
 * anything outside the committed payloads and the store, since every node must reach the same root.
 */
package io.backplane.node.app;
