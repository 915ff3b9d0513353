package io.backplane.plugin.host.lifecycle;

/**
 * Where lifecycle steps are recorded. The node will later route these into its unified audit log; until then
 * {@link HashChainedAuditLog} keeps them in a file under the node home.
 */
public interface AuditSink {
    /** Appends {@code event} durably; throws when it cannot, so that an unrecorded step does not happen. */
    void append(AuditEvent event);
}
