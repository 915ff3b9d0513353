/**
 * The ledger's state commitment: a 256-level sparse Merkle tree over SHA-256 key hashes, with compact inclusion and non-inclusion proofs.
 * It must not read clocks or randomness, and a proof decoder must never accept or throw unchecked on hostile bytes.
 */
package io.backplane.node.ledger;
