/**
 * The backplane command line (picocli): version, doctor, test and the operator commands that drive the node.
 * Commands take --home for node state and --json for scripts; they never print secrets.
 */
package io.backplane.provisioning;
