package io.backplane.hsm.keystore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backplane.hsm.guard.GuardHistoryJson;
import io.backplane.hsm.guard.SigningGuard;

import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The document that moves a BLS validator key to another box of the same operator (a token sharing the KEK):
 * {@code {"format": "backplane-bls-export/1", "id", "publicKey", "sealed", "guardHistory"}}, the key KEK-sealed and
 * its double-sign guard history with it, so the key is never usable on the new box without its protection. One
 * format for {@code keys export}/{@code keys import-bls --sealed} and the admin API's export and import.
 */
public final class SealedKeyExport {
    /** The {@code format} field of every export. */
    public static final String FORMAT = "backplane-bls-export/1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("format", "id", "publicKey", "sealed", "guardHistory");

    private SealedKeyExport() {
    }

    /**
     * The export of key {@code id} as JSON text, handed to {@code writeOut}; audited ({@code bls-export}) only once
     * {@code writeOut} returned, so a failed write leaves no entry claiming an export. An unknown key is a
     * {@link io.backplane.hsm.SigningException}.
     */
    public static String export(Keystore keystore, String id, Consumer<String> writeOut) {
        String[] text = new String[1];
        keystore.exportSealedBls(id, blob -> {
            ObjectNode doc = JSON.createObjectNode();
            doc.put("format", FORMAT);
            doc.put("id", id);
            doc.put("publicKey", HexFormat.of().formatHex(keystore.publicKey(id)));
            doc.put("sealed", HexFormat.of().formatHex(blob));
            try {
                doc.set("guardHistory", JSON.readTree(GuardHistoryJson.write(keystore.guard().history(id))));
                text[0] = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot encode the export of " + id, e);
            }
            writeOut.accept(text[0]);
        });
        return text[0];
    }

    /**
     * Imports an export: the document is read (anything else is an {@link IllegalArgumentException} naming the
     * problem), the blob checked (it unseals under this token's KEK, names a key not already here, is the key the
     * document names), its guard history required and of that key only, then merged (audited, watermarks only
     * raised), and only then the key stored.
     */
    public static Keystore.SealedImport importFrom(Keystore keystore, String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException("not a key export (format " + FORMAT + ")");
        }
        root.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException("unknown field '" + f + "' in a key export (fields: " + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        });
        if (!root.path("sealed").isTextual()) {
            throw new IllegalArgumentException("a key export needs 'sealed' (the blob, as hex)");
        }
        byte[] blob;
        try {
            blob = HexFormat.of().parseHex(root.get("sealed").asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'sealed' is not hex: " + e.getMessage());
        }
        if (!root.hasNonNull("guardHistory")) {
            throw new IllegalArgumentException("a key export carries the key's guard history ('guardHistory'); without it the key could sign here "
                    + "what it signed before");
        }
        List<SigningGuard.KeyHistory> history = GuardHistoryJson.read(root.get("guardHistory").toString());
        var key = keystore.checkSealedBls(blob);
        if (root.hasNonNull("id") && !root.get("id").asText().equals(key.id())) {
            throw new IllegalArgumentException("the export names key " + root.get("id").asText() + " but its blob holds " + key.id());
        }
        if (root.hasNonNull("publicKey") && !root.get("publicKey").asText().equals(key.publicKeyHex())) {
            throw new IllegalArgumentException("the export's publicKey is not the public key of the key its blob holds (" + key.id() + ")");
        }
        for (SigningGuard.KeyHistory h : history) {
            if (!h.keyId().equals(key.id())) {
                throw new IllegalArgumentException("the export's guard history names key " + h.keyId() + ", not the exported key " + key.id()
                        + " (an export carries its own key's history only)");
            }
        }
        return keystore.importSealedBls(blob, history, source);
    }
}
