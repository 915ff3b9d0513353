/**
 * Per-node pool of signed ledger transactions awaiting a proposal (issue 15): bounded, deduplicated, signatures batch-verified.
 * It must not decide order or commit anything; consensus and the ledger do.
 */
package io.backplane.node.mempool;
