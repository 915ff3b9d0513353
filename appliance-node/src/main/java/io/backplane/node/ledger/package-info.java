/**
 * The ledger's state commitment: a compact (leaf-hoisting) sparse Merkle tree over SHA-256 key hashes, whose updates cost about log2(keys) hashes, with inclusion and non-inclusion proofs.
 * It must not read clocks or randomness, and a proof decoder must never accept or throw unchecked on hostile bytes.
 */
package io.backplane.node.ledger;
