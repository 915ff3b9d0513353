package io.backplane.admin.model;

import java.util.List;
import java.util.Map;

/**
 * Accelerator-vs-CPU benchmark jobs: at most one at a time, in the background, bounded (a CPU budget, the lowest
 * priority), and never on a node that is not ready — a benchmark can never starve consensus.
 */
public interface BenchView {
    /**
     * Starts a job over {@code ops} with at most {@code maxPointMs} per measured point and answers it
     * ({@code {"id", "state": "running", ...}}); a job already running, or a node that is not ready, is a
     * {@link Refused} 409 naming why.
     */
    Map<String, Object> start(List<String> ops, int maxPointMs);

    /** A job: its state ({@code running}, {@code done}, {@code failed}), progress, and when done its result table; unknown: 404. */
    Map<String, Object> job(String id);
}
