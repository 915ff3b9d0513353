package io.backplane.plugin.host.lifecycle;

/**
 * One lifecycle step for the audit trail: who ({@code actor}) did what ({@code action}) to which plugin version, the
 * state before and after, and a detail for operators. A refused step is recorded too, with {@code to} = "refused".
 * {@code keyId} names the operator key whose signature authorised the step ({@link Authorization#keyIdOf}); empty for
 * steps that are not signed (activation, epoch, veto, rollback, retire) and for refusals before a key was checked.
 */
public record AuditEvent(String actor, String action, String pluginId, String version, String from, String to, String detail, String keyId) {
    /** An unsigned step. */
    public AuditEvent(String actor, String action, String pluginId, String version, String from, String to, String detail) {
        this(actor, action, pluginId, version, from, to, detail, "");
    }
}
