package io.backplane.provisioning;

import io.backplane.plugin.host.AuthorKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import static io.backplane.provisioning.PluginInputs.*;
import static io.backplane.provisioning.PluginsCommand.*;

/** {@code plugins keygen|manifest|trust}: author keys, signed manifests, and which author and operator keys a node trusts. */
final class PluginKeyCommands {
    private PluginKeyCommands() {
    }

    /** {@code plugins keygen}: an Ed25519 author key pair for signing manifests (author tooling, not node state). */
    @Command(name = "keygen", description = "Create an Ed25519 plugin-author key pair: DIR/ID.key (PKCS#8, owner-only) and DIR/ID.pub.")
    static final class Keygen implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        JsonOutput json;
        @Option(names = "--key-id", required = true, paramLabel = "ID", description = "Author key id (goes into manifests).")
        String keyId;
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the key files.")
        Path out;

        @Override
        public Integer call() throws Exception {
            java.security.KeyPair kp = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(out);
            Path priv = out.resolve(keyId + ".key");
            Files.write(Files.createFile(priv, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))), kp.getPrivate().getEncoded());
            new AuthorKeys(out).trust(keyId, kp.getPublic());
            if (json.enabled()) {
                JsonOutput.line(spec.commandLine().getOut(), Map.of("keyId", keyId, "privateKey", priv.toString(),
                        "publicKey", out.resolve(keyId + ".pub").toString()));
            } else {
                spec.commandLine().getOut().println("wrote " + priv + " and " + out.resolve(keyId + ".pub"));
            }
            return ExitCodes.OK;
        }
    }

    /** {@code plugins manifest}: writes a signed manifest for a jar. */
    @Command(name = "manifest", description = "Write a manifest for a jar, signed with an author key from keygen.")
    static final class Manifest implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        JsonOutput json;
        @Option(names = "--jar", required = true, paramLabel = "JAR") Path jar;
        @Option(names = "--id", required = true, paramLabel = "ID") String id;
        @Option(names = "--plugin-version", required = true, paramLabel = "SEMVER") String version;
        @Option(names = "--kind", required = true, paramLabel = "KIND", description = "Repeat for several kinds.") List<String> kinds;
        @Option(names = "--entry-class", required = true, paramLabel = "CLASS") String entryClass;
        @Option(names = "--api", defaultValue = "[1.0,2.0)", paramLabel = "RANGE", description = "Plugin API range (default: ${DEFAULT-VALUE}).") String api;
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The author's private key (ID.key from keygen).") Path key;
        @Option(names = "--key-id", required = true, paramLabel = "ID") String keyId;
        @Option(names = "--out", required = true, paramLabel = "FILE") Path out;

        @Override
        public Integer call() throws Exception {
            checkReadableJar(jar);
            java.security.PrivateKey pk = KeyFactory.getInstance("Ed25519").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(read(key, "author key")));
            io.backplane.plugin.api.PluginManifest m = new io.backplane.plugin.api.PluginManifest(io.backplane.plugin.api.PluginManifest.SCHEMA,
                    id, version, api, kinds, entryClass, io.backplane.plugin.host.PluginVerifier.sha256Hex(jar), keyId, "x");
            if (!m.problems().isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", m.problems()));
            }
            Files.write(out, io.backplane.plugin.host.ManifestCodec.toJson(io.backplane.plugin.host.ManifestCodec.sign(m, pk)));
            if (json.enabled()) {
                JsonOutput.line(spec.commandLine().getOut(), Map.of("out", out.toString(), "id", id, "version", version,
                        "jarSha256", m.jarSha256()));
            } else {
                spec.commandLine().getOut().println("wrote " + out);
            }
            return ExitCodes.OK;
        }
    }

    /**
     * {@code plugins trust}: this node trusts a key (copies ID.pub into the home): an author's (manifests,
     * {@code plugins/authors/}) or an operator's (uploads and approvals, {@code plugins/operators/}).
     */
    @Command(name = "trust", description = "Trust a plugin author's key (--role author, default) or an operator identity's key (--role operator) on this node.")
    static final class Trust implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HomeOption home;
        @Mixin
        JsonOutput json;
        @Option(names = "--key-id", required = true, paramLabel = "ID") String keyId;
        @Option(names = "--public-key", required = true, paramLabel = "FILE", description = "ID.pub from keygen.") Path pub;
        @Option(names = "--role", defaultValue = "author", paramLabel = "ROLE",
                description = "author (signs manifests) or operator (signs uploads and approvals; --key-id is the identity used with --as). Default: ${DEFAULT-VALUE}.")
        String role;

        @Override
        public Integer call() throws Exception {
            if (!role.equals("author") && !role.equals("operator")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--role must be author or operator, got '" + role + "'");
            }
            PublicKey k = new AuthorKeys(pub.toAbsolutePath().getParent()).find(pub.getFileName().toString().replaceFirst("\\.pub$", ""))
                    .orElseThrow(() -> new IllegalArgumentException(pub + " is not an Ed25519 public key file named ID.pub"));
            Path dir = pluginsDir(home.resolve().ensureExists()).resolve(role.equals("author") ? "authors" : "operators");
            new AuthorKeys(dir).trust(keyId, k);
            if (json.enabled()) {
                JsonOutput.line(spec.commandLine().getOut(), Map.of("role", role, "keyId", keyId, "file", dir.resolve(keyId + ".pub").toString()));
            } else {
                spec.commandLine().getOut().println("trusting " + role + " " + keyId + " (" + dir.resolve(keyId + ".pub") + ")");
            }
            return ExitCodes.OK;
        }
    }

}
