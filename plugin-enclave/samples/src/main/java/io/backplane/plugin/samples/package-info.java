/**
 * Reference plugins (leader election, block validation, routing) written against the plugin API only.
 * They are examples for plugin authors and must obey the determinism contract.
 */
package io.backplane.plugin.samples;
