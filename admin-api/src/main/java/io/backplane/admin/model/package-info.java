/**
 * What the admin API speaks in, without Vert.x: roles and principals, the refusal a view answers with, and the small
 * views the node implements for it ({@link io.backplane.admin.model.NodeView}, {@link io.backplane.admin.model.KeysView},
 * {@link io.backplane.admin.model.FlagsView}, {@link io.backplane.admin.model.PluginLifecycle},
 * {@link io.backplane.admin.model.AuditView}).
 */
package io.backplane.admin.model;
