/**
 * The round manager's event handlers and collaborators, the block tree (uncommitted tail, 2-chain commit), committed leader schedules, and the seams the node implements.
 * It must not touch sockets, files, threads, clocks or keys, nor wait on execution: outbound, timers, time, payloads, block store, ledger hand-off and metrics are interfaces.
 */
package io.backplane.node.consensus.round;
