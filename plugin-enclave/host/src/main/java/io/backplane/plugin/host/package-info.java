/**
 * The enclave host: checks plugins against the JDK allowlist, starts them behind every wall of the sandbox, feeds,
 * freezes, watches and restarts them, and runs the plugin lifecycle. It never substitutes one algorithm for another
 * when a plugin cannot answer, and never starts an untrusted plugin with a wall missing unless the operator allowed it.
 */
package io.backplane.plugin.host;
