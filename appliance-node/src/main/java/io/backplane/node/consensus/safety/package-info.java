/**
 * The voting and timeout rules (DESIGN.md §4) and the narrow signer interface they sign through; the double-sign
 * watermark and the durable safety data belong to the signer. It must not send messages, read clocks or keep a block tree.
 */
package io.backplane.node.consensus.safety;
