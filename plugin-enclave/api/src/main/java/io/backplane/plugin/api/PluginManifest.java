package io.backplane.plugin.api;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A plugin's manifest, shipped beside its jar as JSON (schema: {@code io/backplane/plugin/api/manifest.schema.json}).
 * Fields: {@code schema} (manifest format, {@value #SCHEMA}), {@code id}, {@code version} (semver),
 * {@code apiVersion} (the plugin API range it was built for, e.g. {@code [1.0,2.0)}), {@code kinds} (wire names),
 * {@code entryClass}, {@code jarSha256} (hex), {@code authorKeyId} and {@code signature} (base64 Ed25519 by the
 * author's key over the canonical encoding of every other field). Unknown fields are refused by the parser.
 */
public record PluginManifest(int schema, String id, String version, String apiVersion, List<String> kinds,
                             String entryClass, String jarSha256, String authorKeyId, String signature) {
    /** The manifest format this API reads. */
    public static final int SCHEMA = 1;
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{1,62}");
    private static final Pattern CLASS = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");

    public PluginManifest {
        kinds = kinds == null ? null : List.copyOf(kinds);
    }

    /**
     * Every problem with the fields themselves (not the signature nor the jar), each naming its field; empty when
     * the manifest is well formed.
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (schema != SCHEMA) {
            p.add("schema: " + schema + " is not supported (this host reads schema " + SCHEMA + ")");
        }
        if (id == null || !ID.matcher(id).matches()) {
            p.add("id: '" + id + "' must be 2-63 characters of a-z, 0-9 and '-', starting with a letter");
        }
        try {
            Semver.parse(version);
        } catch (IllegalArgumentException e) {
            p.add("version: " + e.getMessage());
        }
        try {
            VersionRange.parse(Objects.requireNonNull(apiVersion, "missing"));
        } catch (IllegalArgumentException | NullPointerException e) {
            p.add("apiVersion: " + e.getMessage());
        }
        if (kinds == null || kinds.isEmpty()) {
            p.add("kinds: at least one kind is required");
        } else {
            for (String k : kinds) {
                try {
                    PluginKind.fromWireName(k);
                } catch (IllegalArgumentException e) {
                    p.add("kinds: " + e.getMessage());
                }
            }
            if (kinds.stream().distinct().count() != kinds.size()) {
                p.add("kinds: a kind is listed twice");
            }
        }
        if (entryClass == null || !CLASS.matcher(entryClass).matches()) {
            p.add("entryClass: '" + entryClass + "' is not a binary class name");
        }
        if (jarSha256 == null || !SHA.matcher(jarSha256).matches()) {
            p.add("jarSha256: must be 64 lower-case hex digits");
        }
        if (authorKeyId == null || authorKeyId.isBlank()) {
            p.add("authorKeyId: required");
        }
        if (signature == null || signature.isBlank()) {
            p.add("signature: required");
        }
        return p;
    }

    /** The kinds as enum values; call only on a manifest without {@link #problems()}. */
    public List<PluginKind> pluginKinds() {
        return kinds.stream().map(PluginKind::fromWireName).toList();
    }

    /**
     * Refuses, with a message naming both versions, when this plugin was not built for {@code api}.
     *
     * @throws IncompatiblePluginException when {@code apiVersion} excludes {@code api}
     */
    public void checkCompatible(ApiVersion api) {
        VersionRange r = VersionRange.parse(apiVersion);
        if (!r.contains(api)) {
            throw new IncompatiblePluginException("plugin " + id + " " + version + " needs plugin API " + r
                    + " but this host implements " + api);
        }
    }

    /** The jar digest as bytes. */
    public byte[] jarDigest() {
        return HexFormat.of().parseHex(jarSha256);
    }

    /** This manifest with another signature (used by tools that sign a manifest). */
    public PluginManifest withSignature(String sig) {
        return new PluginManifest(schema, id, version, apiVersion, kinds, entryClass, jarSha256, authorKeyId, sig);
    }
}
