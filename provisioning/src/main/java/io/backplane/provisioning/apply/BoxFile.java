package io.backplane.provisioning.apply;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A box file ({@code box.yaml}): what one validator box should be, read with the line of every key so that each
 * problem names the file, the line and the key ({@code box.yaml:7: flags.round-robin: ...}).
 *
 * <pre>
 * node: node0            # the box (its entry in the admin context; checked against the node's own id)
 * chain: backplane-local # optional: the chain the box must be on (checked, never changed)
 * keys:
 *   identity: present    # optional: the identity key must be in the token (checked: it is the API's TLS key)
 *   bls: 2               # optional: at least this many BLS validator keys (the missing ones generated; none deleted)
 * flags:                 # optional: exactly these plugin flags on this node (others set here are removed)
 *   round-robin: on
 * plugins:               # optional: plugin versions the node's store should hold (present) or no longer run (retired)
 *   kary-tree:
 *     version: 1.0.0
 *     jar: kary.jar      # present: uploaded from these, signed with the uploader's operator key (paths: beside this file)
 *     manifest: kary.manifest.json
 *     key: keys/carol.key
 * </pre>
 *
 * The parse is SnakeYAML's composer (safe: no tags that build objects, aliases bounded); duplicate keys, unknown
 * keys, wrong types and values out of range are refused. Nothing else is read from the file.
 */
public final class BoxFile {
    /** A value and where it was written. */
    public record At<T>(T value, int line, String key) {
    }

    /** The file is not a box file: the message names the file, line and key. */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    private static final int MAX_BYTES = 1 << 20;
    private static final int MAX_BLS_KEYS = 64;
    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern PLUGIN = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");
    private static final Set<String> TOP = Set.of("node", "chain", "keys", "flags", "plugins");
    private static final Set<String> PLUGIN_KEYS = Set.of("version", "state", "jar", "manifest", "key");
    private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z.+-]{0,63}");
    private static final Set<String> KEYS = Set.of("identity", "bls");
    private static final Set<Tag> PLAIN = Set.of(Tag.STR, Tag.INT, Tag.BOOL, Tag.FLOAT, Tag.NULL);

    private final String name;
    private final At<String> node;
    private final At<String> chain;
    private final At<Boolean> identity;
    private final At<Integer> bls;
    private final At<Map<String, At<Boolean>>> flags;
    private final Map<String, PluginWanted> plugins;

    /**
     * A plugin version the box should hold ({@code state: present}: uploaded from {@code jar} and {@code manifest},
     * signed with the uploader's operator key {@code key} ({@link #signer}); paths relative to the box file) or no longer run
     * ({@code state: retired}). Approval and activation are not declared: they are a second person's steps.
     */
    public record PluginWanted(String id, String version, boolean present, Path jar, Path manifest, Path signer, int line, String key) {
    }

    private BoxFile(String name, At<String> node, At<String> chain, At<Boolean> identity, At<Integer> bls, At<Map<String, At<Boolean>>> flags,
                    Map<String, PluginWanted> plugins) {
        this.plugins = plugins;
        this.name = name;
        this.node = node;
        this.chain = chain;
        this.identity = identity;
        this.bls = bls;
        this.flags = flags;
    }

    /** The file's name as errors print it. */
    public String name() {
        return name;
    }

    public At<String> node() {
        return node;
    }

    /** Null when the file does not name a chain. */
    public At<String> chain() {
        return chain;
    }

    /** Null when the file says nothing of the identity key. */
    public At<Boolean> identity() {
        return identity;
    }

    /** Null when the file says nothing of BLS keys. */
    public At<Integer> bls() {
        return bls;
    }

    /** Null when the file has no {@code flags:} (the node's flags are then left as they are). */
    /** Null when the file has no {@code plugins:}; else plugin id → what the box should hold of it. */
    public Map<String, PluginWanted> plugins() {
        return plugins;
    }

    public At<Map<String, At<Boolean>>> flags() {
        return flags;
    }

    /** Reads and checks {@code file}; anything wrong is an {@link Invalid} naming it. */
    public static BoxFile read(Path file) throws IOException {
        String name = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new Invalid(name + ": no such file");
        }
        if (Files.size(file) > MAX_BYTES) {
            throw new Invalid(name + ": larger than " + MAX_BYTES + " bytes; a box file is a few lines");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new Invalid(name + ": not UTF-8 text");
        }
        return parse(name, text, file.toAbsolutePath().getParent());
    }

    /** Parses a box file's text; {@code name} is what errors call it (paths in it relative to the working directory). */
    public static BoxFile parse(String name, String text) {
        return parse(name, text, Path.of("").toAbsolutePath());
    }

    /** Parses a box file's text; {@code name} is what errors call it, {@code base} what its paths are relative to. */
    public static BoxFile parse(String name, String text, Path base) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(0);
        options.setAllowRecursiveKeys(false);
        options.setCodePointLimit(MAX_BYTES);
        Node root;
        try {
            root = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
            throw new Invalid(name + ":" + line + ": not YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new Invalid(name + ": not YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null) {
            throw new Invalid(name + ": empty; a box file names at least its node (node: ID)");
        }
        Map<String, NodeTuple> top = mapping(name, root, "the file", TOP);
        if (!top.containsKey("node")) {
            throw new Invalid(name + ":" + line(root) + ": node: missing; a box file names its node (node: ID)");
        }
        At<String> node = text(name, top.get("node"), "node", NODE, "a node id (letters, digits, . _ -)");
        At<String> chain = top.containsKey("chain") ? text(name, top.get("chain"), "chain", NODE, "a chain id") : null;
        At<Boolean> identity = null;
        At<Integer> bls = null;
        if (top.containsKey("keys")) {
            Map<String, NodeTuple> keys = mapping(name, top.get("keys").getValueNode(), "keys", KEYS);
            if (keys.containsKey("identity")) {
                NodeTuple t = keys.get("identity");
                String v = scalar(name, t, "keys.identity");
                if (!v.equals("present")) {
                    throw new Invalid(name + ":" + line(t.getValueNode()) + ": keys.identity: must be 'present' (the identity key is created by "
                            + "keys init, before the node first starts; the admin API never replaces it), got '" + v + "'");
                }
                identity = new At<>(true, line(t.getKeyNode()), "keys.identity");
            }
            if (keys.containsKey("bls")) {
                NodeTuple t = keys.get("bls");
                String v = scalar(name, t, "keys.bls");
                int n;
                try {
                    n = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    n = -1;
                }
                if (n < 0 || n > MAX_BLS_KEYS) {
                    throw new Invalid(name + ":" + line(t.getValueNode()) + ": keys.bls: must be a whole number from 0 to " + MAX_BLS_KEYS
                            + " (at least this many BLS keys), got '" + v + "'");
                }
                bls = new At<>(n, line(t.getKeyNode()), "keys.bls");
            }
        }
        At<Map<String, At<Boolean>>> flags = null;
        if (top.containsKey("flags")) {
            NodeTuple ft = top.get("flags");
            Map<String, At<Boolean>> out = new LinkedHashMap<>();
            Node value = ft.getValueNode();
            if (value instanceof ScalarNode s && s.getValue().isEmpty()) {
                // Left empty by mistake it would remove every flag set on the node: that takes an explicit {}.
                throw new Invalid(name + ":" + line(ft.getKeyNode()) + ": flags: empty; to remove every flag set on the node write 'flags: {}', "
                        + "to leave the node's flags alone leave 'flags' out");
            }
            {
                for (Map.Entry<String, NodeTuple> e : mapping(name, value, "flags", null).entrySet()) {
                    String key = "flags." + e.getKey();
                    if (!PLUGIN.matcher(e.getKey()).matches()) {
                        throw new Invalid(name + ":" + line(e.getValue().getKeyNode()) + ": " + key
                                + ": not a plugin id (lower-case letters, digits, dots and dashes)");
                    }
                    String v = scalar(name, e.getValue(), key);
                    Boolean on = switch (v) {
                        case "on", "true" -> true;
                        case "off", "false" -> false;
                        default -> null;
                    };
                    if (on == null) {
                        throw new Invalid(name + ":" + line(e.getValue().getValueNode()) + ": " + key + ": must be on or off, got '" + v + "'");
                    }
                    out.put(e.getKey(), new At<>(on, line(e.getValue().getKeyNode()), key));
                }
            }
            flags = new At<>(Map.copyOf(out), line(ft.getKeyNode()), "flags");
        }
        Map<String, PluginWanted> plugins = null;
        if (top.containsKey("plugins")) {
            plugins = new LinkedHashMap<>();
            for (Map.Entry<String, NodeTuple> e : mapping(name, top.get("plugins").getValueNode(), "plugins", null).entrySet()) {
                String id = e.getKey();
                String key = "plugins." + id;
                if (!PLUGIN.matcher(id).matches()) {
                    throw new Invalid(name + ":" + line(e.getValue().getKeyNode()) + ": " + key + ": not a plugin id (lower-case letters, digits, dots and dashes)");
                }
                Map<String, NodeTuple> p = mapping(name, e.getValue().getValueNode(), key, PLUGIN_KEYS);
                int at = line(e.getValue().getKeyNode());
                if (!p.containsKey("version")) {
                    throw new Invalid(name + ":" + at + ": " + key + ".version: missing; name the plugin version");
                }
                String version = text(name, p.get("version"), key + ".version", VERSION, "a plugin version").value();
                String state = p.containsKey("state") ? scalar(name, p.get("state"), key + ".state") : "present";
                if (!state.equals("present") && !state.equals("retired")) {
                    throw new Invalid(name + ":" + line(p.get("state").getValueNode()) + ": " + key + ".state: must be present or retired, got '" + state
                            + "' (approval and activation are a second person's steps: ctl plugins approve)");
                }
                boolean present = state.equals("present");
                Path jar = null;
                Path manifest = null;
                Path signer = null;
                if (present) {
                    for (String f : new String[]{"jar", "manifest", "key"}) {
                        if (!p.containsKey(f)) {
                            throw new Invalid(name + ":" + at + ": " + key + "." + f + ": missing; a present plugin is uploaded from its jar and manifest, "
                                    + "signed with the uploader's operator key");
                        }
                    }
                    jar = base.resolve(scalar(name, p.get("jar"), key + ".jar"));
                    manifest = base.resolve(scalar(name, p.get("manifest"), key + ".manifest"));
                    signer = base.resolve(scalar(name, p.get("key"), key + ".key"));
                }
                plugins.put(id, new PluginWanted(id, version, present, jar, manifest, signer, at, key));
            }
        }
        return new BoxFile(name, node, chain, identity, bls, flags, plugins == null ? null : Map.copyOf(plugins));
    }

    private static int line(Node n) {
        return n.getStartMark().getLine() + 1;
    }

    /** A mapping's entries by key (scalar keys only, no duplicates; {@code allowed}: the keys it may have, null: any). */
    private static Map<String, NodeTuple> mapping(String name, Node n, String what, Set<String> allowed) {
        if (!(n instanceof MappingNode m)) {
            throw new Invalid(name + ":" + line(n) + ": " + what + ": must be a mapping of key: value"
                    + (allowed == null ? "" : " (keys: " + String.join(", ", allowed.stream().sorted().toList()) + ")"));
        }
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new Invalid(name + ":" + line(t.getKeyNode()) + ": " + what + ": a key must be plain text");
            }
            String key = k.getValue();
            String path = what.equals("the file") ? key : what + "." + key;
            if (!seen.add(key)) {
                throw new Invalid(name + ":" + line(k) + ": " + path + ": given twice");
            }
            if (allowed != null && !allowed.contains(key)) {
                throw new Invalid(name + ":" + line(k) + ": " + path + ": unknown key (" + (what.equals("the file") ? "top-level keys" : what + " keys")
                        + ": " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            out.put(key, t);
        }
        return out;
    }

    private static String scalar(String name, NodeTuple t, String key) {
        if (!(t.getValueNode() instanceof ScalarNode s)) {
            throw new Invalid(name + ":" + line(t.getValueNode()) + ": " + key + ": must be a single value, not a list or mapping");
        }
        if (!PLAIN.contains(s.getTag())) {
            throw new Invalid(name + ":" + line(s) + ": " + key + ": must be a plain value, not tagged " + s.getTag().getValue());
        }
        return s.getValue();
    }

    private static At<String> text(String name, NodeTuple t, String key, Pattern shape, String what) {
        String v = scalar(name, t, key);
        if (!shape.matcher(v).matches()) {
            throw new Invalid(name + ":" + line(t.getValueNode()) + ": " + key + ": must be " + what + ", got '" + v + "'");
        }
        return new At<>(v, line(t.getKeyNode()), key);
    }
}
