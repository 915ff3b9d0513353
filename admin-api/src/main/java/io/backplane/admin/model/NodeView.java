package io.backplane.admin.model;

import java.util.List;
import java.util.Map;

/** The node as the admin API reads it. Calls may block (stores, the token); the server calls them off its event loop. */
public interface NodeView {
    /** {@code GET /v1/status}: height, round, leader, peers, committed tx/s, crypto backend, sync state (a JSON object). */
    Map<String, Object> status();

    /** {@code GET /health/ready}: every part that must be up for the node to sign now. */
    List<Check> readiness();

    /** {@code GET /metrics}: the node's registry in the Prometheus text format. */
    String metrics();

    /** {@code GET /v1/accelerator}: the backend in use and the devices seen. */
    Map<String, Object> accelerator();
}
