package io.backplane.hsm.guard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.Watermark;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The guard history as JSON, for moving a validator between boxes:
 * {@code {"format":"backplane-guard-history/1","keys":[{"keyId":…,"watermarks":[{"kind":"vote","epoch":E,"round":R}],
 * "signed":[{"kind":…,"epoch":…,"round":…,"sha256":"<hex>","signature":"<hex>"}]}]}}. Parsing validates everything
 * before anything is imported, so bad input changes nothing.
 */
public final class GuardHistoryJson {
    public static final String FORMAT = "backplane-guard-history/1";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    private GuardHistoryJson() {
    }

    public static String write(List<SigningGuard.KeyHistory> histories) {
        ObjectNode root = MAPPER.createObjectNode().put("format", FORMAT);
        ArrayNode keys = root.putArray("keys");
        for (SigningGuard.KeyHistory h : histories) {
            ObjectNode k = keys.addObject().put("keyId", h.keyId());
            ArrayNode wms = k.putArray("watermarks");
            for (Watermark w : h.watermarks()) {
                wms.addObject().put("kind", w.kind().wireName()).put("epoch", w.epoch()).put("round", w.round());
            }
            ArrayNode signed = k.putArray("signed");
            for (SigningGuard.Signed s : h.signed()) {
                signed.addObject().put("kind", s.kind().wireName()).put("epoch", s.epoch()).put("round", s.round())
                        .put("sha256", HEX.formatHex(s.sha256())).put("signature", HEX.formatHex(s.signature()));
            }
        }
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses and validates; throws {@link IllegalArgumentException} naming the first bad field. */
    public static List<SigningGuard.KeyHistory> read(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("guard history is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException("guard history must be a JSON object with \"format\": \"" + FORMAT + "\"");
        }
        JsonNode keys = root.path("keys");
        if (!keys.isArray()) {
            throw new IllegalArgumentException("guard history: \"keys\" must be an array");
        }
        List<SigningGuard.KeyHistory> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonNode k = keys.get(i);
            String where = "keys[" + i + "]";
            String keyId = text(k, "keyId", where);
            List<Watermark> wms = new ArrayList<>();
            JsonNode wmArr = array(k, "watermarks", where);
            for (int j = 0; j < wmArr.size(); j++) {
                JsonNode w = wmArr.get(j);
                String at = where + ".watermarks[" + j + "]";
                wms.add(new Watermark(keyId, kind(w, at), number(w, "epoch", at), number(w, "round", at)));
            }
            List<SigningGuard.Signed> signed = new ArrayList<>();
            JsonNode sArr = array(k, "signed", where);
            for (int j = 0; j < sArr.size(); j++) {
                JsonNode s = sArr.get(j);
                String at = where + ".signed[" + j + "]";
                byte[] sha = hex(s, "sha256", at);
                if (sha.length != 32) {
                    throw new IllegalArgumentException(at + ".sha256 must be 32 bytes of hex");
                }
                byte[] sig = hex(s, "signature", at);
                if (sig.length == 0 || sig.length > 1024) {
                    throw new IllegalArgumentException(at + ".signature must be 1 to 1024 bytes of hex");
                }
                signed.add(new SigningGuard.Signed(kind(s, at), number(s, "epoch", at), number(s, "round", at), sha, sig));
            }
            out.add(new SigningGuard.KeyHistory(keyId, wms, signed));
        }
        return out;
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode v = n.path(field);
        if (!v.isTextual() || v.asText().isEmpty() || v.asText().length() > 256) {
            throw new IllegalArgumentException(where + "." + field + " must be a non-empty string");
        }
        return v.asText();
    }

    private static JsonNode array(JsonNode n, String field, String where) {
        JsonNode v = n.path(field);
        if (!v.isArray()) {
            throw new IllegalArgumentException(where + "." + field + " must be an array");
        }
        return v;
    }

    private static long number(JsonNode n, String field, String where) {
        JsonNode v = n.path(field);
        if (!v.canConvertToExactIntegral() || !v.canConvertToLong() || v.asLong() < 0) {
            throw new IllegalArgumentException(where + "." + field + " must be a non-negative integer");
        }
        return v.asLong();
    }

    private static SigningKind kind(JsonNode n, String where) {
        return SigningKind.parse(text(n, "kind", where));
    }

    private static byte[] hex(JsonNode n, String field, String where) {
        String s = text(n, field, where);
        try {
            return HEX.parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + "." + field + " is not hex");
        }
    }
}
