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
    /** The prefix of every variable Backplane reads. */
    public static final String ENV_PREFIX = "BACKPLANE_";

    /**
     * Every {@code BACKPLANE_*} variable that is not a config key, with its meaning: the one list of them. Any other
     * {@code BACKPLANE_*} variable must name a config key ({@link #envName}); one that does not is refused, naming
     * the closest known variable, because a mistyped override that is silently ignored is worse than none.
     */
    public static final Map<String, String> NON_CONFIG_VARIABLES = orderedMap(
            "BACKPLANE_HOME", "the node home when --home is not given (default ~/.backplane/<node>)",
            "BACKPLANE_HSM_PIN", "the token's user PIN (else the PIN file, hsm.pinFile)",
            "BACKPLANE_HSM_SO_PIN", "the token's security-officer PIN for keys init-token (else a random one in <home>/hsm/so-pin-<label>)",
            "BACKPLANE_JAVA_HOME", "the JDK 25 the ./backplane and scripts/* launchers use (else /usr/lib/jvm/temurin-25-jdk-amd64)",
            "BACKPLANE_LOG_LEVEL", "log level on stderr: TRACE, DEBUG, INFO, WARN (default), ERROR or OFF",
            "BACKPLANE_JVM_OPTS", "extra JVM flags for the ./backplane launcher",
            "BACKPLANE_OPENCL_CACHE", "where compiled OpenCL programs are cached (default <home>/cache/opencl)");

    /** The levels {@code BACKPLANE_LOG_LEVEL} may name (Logback would silently read anything else as DEBUG). */
    public static final List<String> LOG_LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
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
        checkEnvironment(env);
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

    /**
     * The environment variable that overrides {@code key}: {@code BACKPLANE_} and the key with a {@code _} between
     * words, upper-cased. Dots, dashes and camelCase humps are word breaks: {@code accel.device} is
     * {@code BACKPLANE_ACCEL_DEVICE}, {@code plugins.callDeadlineMs} is {@code BACKPLANE_PLUGINS_CALL_DEADLINE_MS}.
     */
    public static String envName(String key) {
        String words = key.replaceAll("([a-z0-9])([A-Z])", "$1_$2");
        return ENV_PREFIX + words.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * Refuses a {@code BACKPLANE_*} variable that names neither a config key nor one of
     * {@link #NON_CONFIG_VARIABLES} (naming the closest known one), and a {@code BACKPLANE_LOG_LEVEL} that is not a
     * level. {@code BACKPLANE_JAVA_HOME} is checked by the launcher that reads it ({@code scripts/lib.sh}).
     */
    public void checkEnvironment(Map<String, String> env) {
        List<String> known = new ArrayList<>(NON_CONFIG_VARIABLES.keySet());
        leaves(defaults).keySet().forEach(k -> known.add(envName(k)));
        for (String name : new java.util.TreeSet<>(env.keySet())) {
            if (!name.startsWith(ENV_PREFIX) || known.contains(name)) {
                continue;
            }
            String closest = known.stream().min(java.util.Comparator.comparingInt(k -> editDistance(k, name))).orElseThrow();
            throw new ConfigException("environment variable " + name + " names no config key (did you mean " + closest
                    + "?); config keys map to BACKPLANE_ + the key upper-cased with _ between words (plugins.callDeadlineMs"
                    + " -> BACKPLANE_PLUGINS_CALL_DEADLINE_MS); the other BACKPLANE_* variables are "
                    + String.join(", ", NON_CONFIG_VARIABLES.keySet()));
        }
        String level = env.get("BACKPLANE_LOG_LEVEL");
        if (level != null && !LOG_LEVELS.contains(level.strip().toUpperCase(Locale.ROOT))) {
            throw new ConfigException("environment variable BACKPLANE_LOG_LEVEL: '" + level + "' is not a level (one of "
                    + String.join(", ", LOG_LEVELS) + ")");
        }
    }

    /** Levenshtein distance, for "did you mean" only (a dozen lines; not worth a dependency). */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int subst = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(subst, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Every known key with its default, in file order. */
    public Map<String, String> describeDefaults() {
        return leaves(defaults).entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString(),
                (a, b) -> a, LinkedHashMap::new));
    }

    private void mergeFile(ObjectNode merged, Path file) {
        JsonNode tree;
        if (Files.isDirectory(file)) {
            throw new ConfigException("config file " + file + " is a directory, not a file");
        }
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
