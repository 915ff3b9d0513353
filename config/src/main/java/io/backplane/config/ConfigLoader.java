package io.backplane.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Loads configuration in layers: the defaults resource (which lists every key), the node's YAML file,
 * {@code BACKPLANE_*} environment variables, then {@code --set key=value} overrides. The defaults tree is the
 * schema: a key it lacks is unknown and refused, whatever layer it came from. The merged tree is mapped to
 * immutable records; a value the records refuse fails with the key named.
 */
public final class ConfigLoader {
    /** Environment variables that configure the launcher rather than a config key; never treated as keys. */
    public static final String ENV_PREFIX = "BACKPLANE_";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    private final ObjectNode defaults;

    private ConfigLoader(ObjectNode defaults) {
        this.defaults = defaults;
    }

    /** A loader for {@link BackplaneConfig} with the built-in defaults. */
    public static ConfigLoader backplane() {
        return fromDefaultsResource("/io/backplane/config/defaults.yaml");
    }

    public static ConfigLoader fromDefaultsResource(String resource) {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing defaults resource " + resource);
            }
            return new ConfigLoader((ObjectNode) YAML.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public BackplaneConfig load(Path file, Map<String, String> env, List<String> sets) {
        return load(BackplaneConfig.class, file, env, sets);
    }

    /**
     * @param file the node's YAML file; null or absent means defaults only
     * @param env  the environment (pass {@code System.getenv()}); only {@code BACKPLANE_<KEY>} names of known keys are read
     * @param sets {@code key=value} strings, applied last
     */
    public <T> T load(Class<T> type, Path file, Map<String, String> env, List<String> sets) {
        ObjectNode merged = defaults.deepCopy();
        if (file != null) {
            mergeFile(merged, file);
        }
        Map<String, JsonNode> leaves = leaves(defaults);
        for (Map.Entry<String, JsonNode> leaf : leaves.entrySet()) {
            String value = env.get(envName(leaf.getKey()));
            if (value != null) {
                put(merged, leaf.getKey(), value, "environment variable " + envName(leaf.getKey()));
            }
        }
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set expects key=value, got '" + set + "'");
            }
            put(merged, set.substring(0, eq).trim(), set.substring(eq + 1), "--set");
        }
        return map(type, merged);
    }

    /** The environment variable that overrides {@code key}: {@code accel.device} is {@code BACKPLANE_ACCEL_DEVICE}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Every known key with its default, in file order. */
    public Map<String, String> describeDefaults() {
        return leaves(defaults).entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString(),
                (a, b) -> a, LinkedHashMap::new));
    }

    private void mergeFile(ObjectNode merged, Path file) {
        JsonNode tree;
        try {
            tree = YAML.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (JsonProcessingException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return; // an empty file means defaults
        }
        if (!tree.isObject()) {
            throw new ConfigException("config file " + file + " must be a YAML mapping at the top level");
        }
        mergeInto(merged, defaults, (ObjectNode) tree, "", file.toString());
    }

    private static void mergeInto(ObjectNode target, ObjectNode schema, ObjectNode source, String prefix, String origin) {
        for (Iterator<Map.Entry<String, JsonNode>> it = source.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = prefix + field.getKey();
            JsonNode known = schema.get(field.getKey());
            if (known == null) {
                throw new ConfigException("config key `" + key + "` (in " + origin + ") is unknown; known keys: "
                        + String.join(", ", leaves(schema).keySet().stream().map(k -> prefix + k).toList()));
            }
            if (known.isObject()) {
                if (!field.getValue().isObject()) {
                    throw new ConfigException("config key `" + key + "` (in " + origin + ") must be a mapping");
                }
                mergeInto((ObjectNode) target.get(field.getKey()), (ObjectNode) known, (ObjectNode) field.getValue(), key + ".", origin);
            } else {
                if (field.getValue().isObject()) {
                    throw new ConfigException("config key `" + key + "` (in " + origin + ") must be a value, not a mapping");
                }
                target.set(field.getKey(), field.getValue());
            }
        }
    }

    private void put(ObjectNode merged, String key, String value, String origin) {
        String[] parts = key.split("\\.");
        JsonNode schema = defaults;
        ObjectNode target = merged;
        for (int i = 0; i < parts.length; i++) {
            JsonNode next = schema.get(parts[i]);
            if (next == null) {
                throw new ConfigException("config key `" + key + "` (from " + origin + ") is unknown; known keys: "
                        + String.join(", ", leaves(defaults).keySet()));
            }
            if (i == parts.length - 1) {
                if (next.isObject()) {
                    throw new ConfigException("config key `" + key + "` (from " + origin + ") is a section; set one of its keys");
                }
                if (next.isArray()) {
                    ArrayNode arr = JsonNodeFactory.instance.arrayNode();
                    for (String item : value.isEmpty() ? new String[0] : value.split(",")) {
                        arr.add(item.trim());
                    }
                    target.set(parts[i], arr);
                } else {
                    target.set(parts[i], TextNode.valueOf(value));
                }
            } else {
                if (!next.isObject()) {
                    throw new ConfigException("config key `" + key + "` (from " + origin + ") is unknown: `"
                            + String.join(".", java.util.Arrays.copyOf(parts, i + 1)) + "` is a value");
                }
                schema = next;
                target = (ObjectNode) target.get(parts[i]);
            }
        }
    }

    private static <T> T map(Class<T> type, ObjectNode merged) {
        try {
            return YAML.treeToValue(merged, type);
        } catch (JsonMappingException e) {
            String key = e.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining("."));
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof IllegalArgumentException && root.getMessage() != null && root.getMessage().startsWith("config key")) {
                throw new ConfigException(root.getMessage(), e);
            }
            throw new ConfigException("config key `" + key + "`: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("configuration cannot be mapped: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, JsonNode> leaves(JsonNode node) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        collect(node, "", out);
        return out;
    }

    private static void collect(JsonNode node, String prefix, Map<String, JsonNode> out) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode child = node.get(name);
            if (child.isObject()) {
                collect(child, prefix + name + ".", out);
            } else {
                out.put(prefix + name, child);
            }
        }
    }
}
