/**
 * The signing audit trail: a hash-chained, fsynced log of key events, checkpointed by the identity key, and its verifier.
 * Must not record secret material, PINs or message contents (only their hashes).
 */
package io.backplane.hsm.audit;
