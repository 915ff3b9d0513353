/**
 * The signing audit trail: a hash-chained, fsynced log of key events, checkpointed by the identity key, and its verifier (chain, anchor, double signs).
 * Must not record secret material, PINs or message contents (only their hashes), nor cut anything but a torn last entry.
 */
package io.backplane.hsm.audit;
