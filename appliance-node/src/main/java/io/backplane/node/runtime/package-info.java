/**
 * The running validator: {@link io.backplane.node.runtime.ValidatorNode} assembles the consensus core, the HSM-guarded
 * signer, the TLS peer transport, the RocksDB stores, the mempool, the ledger app and the client and metrics servers
 * into one node; {@link io.backplane.node.runtime.Genesis} and {@link io.backplane.node.runtime.ValidatorRecord} are
 * the files a network starts from.
 */
package io.backplane.node.runtime;
