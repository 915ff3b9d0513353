package io.backplane.node.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The operator's plugin flags for this node, set through the admin API and kept in {@code <home>/admin/flags.json}
 * ({@code {"plugin-id": true|false}}): they override the configuration's {@code plugins.*} flags for this node from
 * its next start. The file is replaced atomically; a damaged one is refused naming the file, and nothing starts on it.
 */
public final class FlagOverrides {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");

    private FlagOverrides() {
    }

    public static Map<String, Boolean> read(Path file) throws IOException {
        Map<String, Boolean> out = new TreeMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not JSON (" + e.getMessage().lines().findFirst().orElse("") + "); mend or remove it", e);
        }
        if (n == null || !n.isObject()) {
            throw new IOException(file + " must be a JSON object of plugin id → true|false");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!ID.matcher(e.getKey()).matches() || !e.getValue().isBoolean()) {
                throw new IOException(file + ": '" + e.getKey() + "' must be a plugin id mapped to true or false");
            }
            out.put(e.getKey(), e.getValue().booleanValue());
        }
        return out;
    }

    /** Sets one flag: the whole file rewritten (synced, then moved over the old one). */
    public static synchronized Map<String, Boolean> set(Path file, String pluginId, boolean enabled) throws IOException {
        Map<String, Boolean> all = read(file);
        all.put(pluginId, enabled);
        write(file, all);
        return all;
    }

    /**
     * Removes one flag, so the configuration's flag decides again from the next start; answers whether there was one
     * to remove (when not, the file is not touched).
     */
    public static synchronized boolean clear(Path file, String pluginId) throws IOException {
        Map<String, Boolean> all = read(file);
        if (all.remove(pluginId) == null) {
            return false;
        }
        write(file, all);
        return true;
    }

    private static void write(Path file, Map<String, Boolean> all) throws IOException {
        ObjectNode doc = JSON.createObjectNode();
        all.forEach(doc::put);
        io.backplane.config.OwnerOnlyFile.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
    }
}
