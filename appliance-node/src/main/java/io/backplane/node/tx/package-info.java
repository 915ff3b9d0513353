/**
 * The ledger's transaction format: a signed {@link io.backplane.node.tx.Transaction} carrying one
 * {@link io.backplane.node.tx.Op} (put, delete, transfer), its strict canonical encoding and domain-separated signing
 * message, and the block {@link io.backplane.node.tx.Payload} (a list of encoded transactions with its RFC 6962 root).
 * It must not touch state, clocks or the network, and a decoder must refuse every non-canonical or oversize input
 * with a {@link io.backplane.codec.CodecException} that names the field and offset.
 */
package io.backplane.node.tx;
