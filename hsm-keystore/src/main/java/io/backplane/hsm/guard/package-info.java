/**
 * The double-sign guard: durable per-key watermarks in an fsync'd append-only log anchored outside it, the guarded signer, history import/export.
 * Must not release a signature before its record and anchor are durable, cut anything but a torn last record, or ever lower a watermark.
 */
package io.backplane.hsm.guard;
