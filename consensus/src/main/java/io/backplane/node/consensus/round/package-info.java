/**
 * The round manager (a state machine fed by typed events) and the block tree with the 2-chain commit rule.
 * It must not touch sockets, threads, clocks or keys directly: network, timers, time, signing and plugins come in through interfaces.
 */
package io.backplane.node.consensus.round;
