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
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            problems.addAll(checkEntryClass(jf, m));
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

    /**
     * The entry class must be in the jar, public, concrete, with a public no-argument constructor, and implement the
     * interface of every kind in the manifest (directly or through superclasses and interfaces in the jar).
     */
    static List<String> checkEntryClass(JarFile jf, PluginManifest m) throws IOException {
        List<String> problems = new ArrayList<>();
        String name = m.entryClass().replace('.', '/');
        org.objectweb.asm.ClassReader entry = classIn(jf, name);
        if (entry == null) {
            return List.of("entryClass: " + m.entryClass() + " is not in the jar");
        }
        int access = entry.getAccess();
        if ((access & org.objectweb.asm.Opcodes.ACC_PUBLIC) == 0 || (access & (org.objectweb.asm.Opcodes.ACC_ABSTRACT | org.objectweb.asm.Opcodes.ACC_INTERFACE)) != 0) {
            problems.add("entryClass: " + m.entryClass() + " must be a public concrete class");
        }
        boolean[] ctor = {false};
        entry.accept(new org.objectweb.asm.ClassVisitor(org.objectweb.asm.Opcodes.ASM9) {
            @Override
            public org.objectweb.asm.MethodVisitor visitMethod(int acc, String n, String d, String sig, String[] ex) {
                if (n.equals("<init>") && d.equals("()V") && (acc & org.objectweb.asm.Opcodes.ACC_PUBLIC) != 0) {
                    ctor[0] = true;
                }
                return null;
            }
        }, org.objectweb.asm.ClassReader.SKIP_CODE);
        if (!ctor[0]) {
            problems.add("entryClass: " + m.entryClass() + " has no public no-argument constructor");
        }
        java.util.Set<String> interfaces = new java.util.HashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(name));
        while (!todo.isEmpty()) {
            org.objectweb.asm.ClassReader c = classIn(jf, todo.poll());
            if (c == null) {
                continue; // a JDK or API type: its interfaces are the API's own
            }
            if (c.getSuperName() != null) {
                todo.add(c.getSuperName());
            }
            for (String i : c.getInterfaces()) {
                if (interfaces.add(i)) {
                    todo.add(i);
                }
            }
        }
        for (io.backplane.plugin.api.PluginKind k : m.pluginKinds()) {
            if (!interfaces.contains(k.contract().getName().replace('.', '/'))) {
                problems.add("entryClass: " + m.entryClass() + " does not implement " + k.contract().getName() + " (kind " + k.wireName() + ")");
            }
        }
        return problems;
    }

    private static org.objectweb.asm.ClassReader classIn(JarFile jf, String internalName) throws IOException {
        var e = jf.getEntry(internalName + ".class");
        if (e == null) {
            return null;
        }
        try (var in = jf.getInputStream(e)) {
            return new org.objectweb.asm.ClassReader(in.readAllBytes());
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException ex) {
            throw new IOException(internalName + ".class is not a valid class file");
        }
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
