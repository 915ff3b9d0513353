/**
 * Liveness: the round pacemaker, the leader schedule and the proposal-validation hook (the plugin host's seams).
 * It must not sign, verify certificates or decide safety; a plugin that cannot answer makes the node abstain.
 */
package io.backplane.node.consensus.liveness;
