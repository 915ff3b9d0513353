package io.backplane.plugin.host;

import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.IncompatiblePluginException;
import io.backplane.plugin.api.PluginManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;

/** Runs every load-time check on a manifest and a jar and says all that is wrong, not just the first thing. */
public final class PluginVerifier {
    private final AuthorKeys authors;
    private final boolean scanBytecode;

    public PluginVerifier(AuthorKeys authors, boolean scanBytecode) {
        this.authors = authors;
        this.scanBytecode = scanBytecode;
    }

    public LoadReport verify(byte[] manifestJson, Path jar) {
        PluginManifest m;
        try {
            m = ManifestCodec.parse(manifestJson);
        } catch (ManifestCodec.ManifestException e) {
            return new LoadReport(null, List.of(e.getMessage()), List.of());
        }
        List<String> problems = new ArrayList<>();
        try {
            m.checkCompatible(ApiVersion.CURRENT);
        } catch (IncompatiblePluginException e) {
            problems.add(e.getMessage());
        }
        Optional<PublicKey> key = authors.find(m.authorKeyId());
        if (key.isEmpty()) {
            problems.add("signature: author key '" + m.authorKeyId() + "' is not trusted by this node (no " + m.authorKeyId() + ".pub in " + authors.dir() + ")");
        } else if (!ManifestCodec.verify(m, key.get())) {
            problems.add("signature: does not verify under author key '" + m.authorKeyId() + "'");
        }
        String digest;
        try {
            digest = sha256Hex(jar);
        } catch (IOException e) {
            problems.add("jar: cannot read " + jar + ": " + e.getMessage());
            return new LoadReport(m, problems, List.of());
        }
        if (!digest.equals(m.jarSha256())) {
            problems.add("jar: SHA-256 is " + digest + " but the manifest says " + m.jarSha256());
            // A jar that is not the one described is not scanned: its findings would be about the wrong code.
            return new LoadReport(m, problems, List.of());
        }
        String entryFile = m.entryClass().replace('.', '/') + ".class";
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            if (jf.getEntry(entryFile) == null) {
                problems.add("entryClass: " + m.entryClass() + " is not in the jar");
            }
        } catch (IOException e) {
            problems.add("jar: not a readable jar: " + e.getMessage());
            return new LoadReport(m, problems, List.of());
        }
        List<BytecodeScanner.Finding> findings = List.of();
        if (scanBytecode) {
            try {
                findings = BytecodeScanner.scan(jar);
            } catch (IOException e) {
                problems.add("jar: cannot scan: " + e.getMessage());
            }
        }
        return new LoadReport(m, problems, findings);
    }

    public static String sha256Hex(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
