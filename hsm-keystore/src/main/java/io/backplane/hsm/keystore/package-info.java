/**
 * The node keystore assembled: token, sealed BLS keys, guard and audit (one token anchor for both) behind one {@link io.backplane.hsm.GuardedSigner}.
 * Must not hand out raw key bytes, sign around the guard, or let a failed operation leave a change behind.
 */
package io.backplane.hsm.keystore;
