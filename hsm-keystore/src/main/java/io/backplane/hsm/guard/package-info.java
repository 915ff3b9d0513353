/**
 * The double-sign guard: durable per-key watermarks in an fsync'd append-only log, the guarded signer, history import/export.
 * Must not release a signature before its record is durable, and must never lower a watermark.
 */
package io.backplane.hsm.guard;
