package io.backplane.plugin.host.lifecycle;

/**
 * One lifecycle step for the audit trail: who ({@code actor}) did what ({@code action}) to which plugin version, the
 * state before and after, and a detail for operators. A refused step is recorded too, with {@code to} = "refused".
 */
public record AuditEvent(String actor, String action, String pluginId, String version, String from, String to, String detail) {
}
