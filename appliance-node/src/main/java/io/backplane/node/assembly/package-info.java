/**
 * The node's assembly: opens its parts (keystore, accelerator, enclave host) from the home and the configuration, the
 * one place the command line and the node take them from. Opens and wires; holds no state and runs nothing.
 */
package io.backplane.node.assembly;
