package io.backplane.plugin.api;

import java.util.Map;
import java.util.TreeMap;

/**
 * A read-only snapshot of the ledger state a validator may consult: the last committed nonce of each sender (a sender
 * absent from the map has never sent; its first nonce must be 0). Sorted by sender so that its encoding is canonical.
 */
public record LedgerView(Map<String, Long> lastNonces) {
    public LedgerView {
        lastNonces = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(lastNonces));
    }

    /** The last committed nonce of {@code sender}, or -1 when it has never sent. */
    public long lastNonce(String sender) {
        Long n = lastNonces.get(sender);
        return n == null ? -1 : n;
    }
}
