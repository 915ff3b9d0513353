/**
 * The node keystore assembled: token, sealed BLS keys, guard and audit behind one {@link io.backplane.hsm.GuardedSigner}.
 * Must not hand out raw key bytes or sign around the guard.
 */
package io.backplane.hsm.keystore;
