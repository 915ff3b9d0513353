/**
 * The node's side of the admin API: the views over a running node ({@link io.backplane.node.admin.NodeAdminViews}),
 * the operator's durable plugin flags ({@link io.backplane.node.admin.FlagOverrides}) and the start of the admin
 * server from a home ({@link io.backplane.node.admin.AdminPlane}).
 */
package io.backplane.node.admin;
