/**
 * The consensus signer over hsm-keystore's guarded signer, with the safety data made durable before each signature.
 * It must not sign around the guard or hold raw key bytes.
 */
package io.backplane.node.keys;
