/**
 * The small ledger app of issue 15: deterministic execution of committed transactions and a sparse-Merkle state root.
 * It must not read clocks or randomness while executing, nor commit a transaction twice.
 */
package io.backplane.node.ledger;
