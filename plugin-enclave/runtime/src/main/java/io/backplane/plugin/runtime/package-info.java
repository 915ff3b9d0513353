/**
 * The enclave's main: runs inside the sandboxed child JVM, reads framed requests on stdin and answers on stdout.
 * It trusts nothing from the plugin and holds no node state.
 */
package io.backplane.plugin.runtime;
