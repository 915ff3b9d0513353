/**
 * The plugin store and its lifecycle (upload, approve by another identity, activate at a future epoch, roll back, veto,
 * retire), every transition checked against the current state and appended to a hash-chained audit log.
 * It must not start enclaves nor decide anything for consensus: it records what operators and epochs decide.
 */
package io.backplane.plugin.host.lifecycle;
