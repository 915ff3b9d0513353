package io.backplane.admin.model;

/** Everything the admin server reads and changes, as the node implements it. */
public record AdminViews(NodeView node, KeysView keys, FlagsView flags, PluginLifecycle plugins, AuditView audit, BenchView bench) {
}
