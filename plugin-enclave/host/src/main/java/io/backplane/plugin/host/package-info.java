/**
 * The enclave host: starts, feeds, watches and restarts sandboxed plugin processes, and runs the plugin lifecycle.
 * It never substitutes one algorithm for another when a plugin cannot answer.
 */
package io.backplane.plugin.host;
