/**
 * The round manager (event handlers fed by one thread) with its collaborators, the block tree (uncommitted tail, 2-chain commit),
 * the committed leader schedules and the seams the node implements (outbound, timers, time, payloads, block store, ledger hand-off, metrics).
 * It must not touch sockets, files, threads, clocks or keys, nor wait on execution: the world comes in through those interfaces only.
 */
package io.backplane.node.consensus.round;
