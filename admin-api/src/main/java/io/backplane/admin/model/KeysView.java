package io.backplane.admin.model;

import java.util.List;
import java.util.Map;

/** The token's keys as the admin API reads them (public parts only; secrets never leave the token unsealed). */
public interface KeysView {
    /** Every key: id, type ({@code ec-p256} identity, {@code bls12-381} validator) and public key (hex). */
    List<Map<String, Object>> keys();

    /** The double-sign guard's history (watermarks and recent signed digests per key), as {@code keys guard-export} prints it. */
    Map<String, Object> guardHistory();

    /** Generates a BLS validator key from the token's RNG, sealed by the token's key-encryption key: {@code {"id", "type", "publicKey"}}. */
    Map<String, Object> generateBls();

    /**
     * Merges a guard history ({@code keys guard-export}'s document, as JSON text): watermarks are only ever raised;
     * answers {@code {"watermarksRaised", "slotsAdded", "conflicts"}}. A document that is not one is a {@link Refused} 400.
     */
    Map<String, Object> importGuardHistory(String json);

    /**
     * Key {@code id} as a sealed export ({@code keys export}'s document: the KEK-sealed blob, its public key and its
     * guard history), for a box of the same operator; audited. An unknown key is a {@link Refused} 404.
     */
    Map<String, Object> exportSealed(String id);

    /**
     * Imports a sealed export ({@code keys export}'s document, as JSON text): checked (it unseals under this token's
     * KEK, names a key not here), its guard history merged, then stored; answers {@code {"id", "publicKey",
     * "watermarksRaised", "conflicts"}}. Not an export, or not for this token: {@link Refused} 400; a
     * key already here: 409. A refused import changes nothing.
     */
    Map<String, Object> importSealed(String json);
}
