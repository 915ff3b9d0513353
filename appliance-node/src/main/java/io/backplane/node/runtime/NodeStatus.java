package io.backplane.node.runtime;

import java.util.List;

/**
 * What {@code GET /v1/status} answers and {@code up} shows: the node's chain position, its recent throughput and
 * commit latency, the crypto backend, the leader-election algorithm in use, its peers, and whether it signs
 * ({@code false} while the doppelganger check listens, or for good once {@code doppelganger} names what it saw).
 */
public record NodeStatus(String id, String chainId, int index, long height, long round, int leader, long committedTx, double txPerSec,
                         double commitLatencyP50Ms, double commitLatencyP99Ms, int mempool, String backend, String leaderElection,
                         String transport, int peersConnected, List<Integer> peers, long stateHeight, String stateRoot,
                         long divergences, boolean consensusRunning, boolean signing, String doppelganger) {
}
