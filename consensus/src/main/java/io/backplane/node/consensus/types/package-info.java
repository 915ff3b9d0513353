/**
 * Consensus data: blocks, votes, certificates, timeouts and the validator set, each with one canonical encoding.
 * Plain immutable values: no I/O, no clocks, no signing, no verification policy.
 */
package io.backplane.node.consensus.types;
