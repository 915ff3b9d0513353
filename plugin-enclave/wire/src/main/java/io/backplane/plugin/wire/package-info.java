/**
 * The plugin wire format, shared by the host and the enclave runtime: u32-length frames ({@link Frames}) and the
 * canonical encoding of every call and answer ({@link Wire}). Pure encoding: no I/O beyond the streams it is given,
 * no plugin loading, no node state.
 */
package io.backplane.plugin.wire;
