/**
 * Adapters from the consensus core's narrow interfaces to the plugin enclave host (leader election, block validation).
 * They must not fall back to another algorithm: an undecided plugin means abstain, counted as an alert.
 */
package io.backplane.node.plugins;
