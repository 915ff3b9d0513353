package io.backplane.admin.model;

import java.util.Map;

/**
 * The node's hash-chained audit log: paged reads, a verification of the chain, and the one way the admin API writes
 * to it ({@link #record}: who did what to which target, with what outcome).
 */
public interface AuditView {
    /** Entries {@code from} (0-based) on, at most {@code limit}: {@code {"from", "entries": [...], "next", "total"}}. */
    Map<String, Object> page(long from, int limit);

    /** The chain, its checkpoints and its anchor checked: {@code {"ok": bool, "entries": n, "problems": [...]}}. */
    Map<String, Object> verify();

    /**
     * Appends one entry for a change made through the admin API: who (name and how authenticated), the action, its
     * target and the outcome ({@code requested} before it is applied, then {@code ok}, {@code refused: ...} or
     * {@code failed: ...}).
     */
    void record(Principal who, String action, String target, String outcome);
}
