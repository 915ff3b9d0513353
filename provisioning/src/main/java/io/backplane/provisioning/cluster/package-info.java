/**
 * The local cluster behind {@code backplane up}: node processes on loopback ({@link io.backplane.provisioning.cluster.NodeProcesses}),
 * a client of their HTTP ingress ({@link io.backplane.provisioning.cluster.NodeClient}) and the load generator of
 * pre-signed transactions ({@link io.backplane.provisioning.cluster.LoadGenerator}).
 */
package io.backplane.provisioning.cluster;
