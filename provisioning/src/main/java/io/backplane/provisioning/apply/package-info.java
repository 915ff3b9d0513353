/**
 * Declarative provisioning: a box file read with its lines ({@link io.backplane.provisioning.apply.BoxFile}), the plan
 * that takes a node's state to it ({@link io.backplane.provisioning.apply.Plan}), and its changes applied through the
 * admin API one request at a time ({@link io.backplane.provisioning.apply.Applier}).
 */
package io.backplane.provisioning.apply;
