package io.backplane.admin.server;

import io.backplane.admin.model.Principal;
import io.backplane.admin.model.Role;
import io.backplane.config.OwnerOnlyFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The admin API's bearer tokens, stored hashed: one line per token, {@code NAME ROLE[,ROLE...] SHA256-HEX}
 * ({@code #} starts a comment). The clear token is shown once, when {@link #issue} creates it, and never stored.
 * A damaged line is refused with its line number, and no token of the file is accepted until it is mended.
 */
public final class TokenFile {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    /** What every clear token starts with (so that a leaked one is recognisable in logs and scanners). */
    public static final String PREFIX = "bpa_";

    /** One stored token: who it names, the roles it grants, the SHA-256 of the clear token. */
    public record Entry(String name, Set<Role> roles, byte[] sha256) {
    }

    private final Path file;
    private final List<Entry> entries;

    private TokenFile(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = List.copyOf(entries);
    }

    /** Reads the file; a missing file holds no tokens. */
    public static TokenFile read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new TokenFile(file, List.of());
        }
        var perms = Files.getPosixFilePermissions(file);
        if (perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE) || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(file + " is writable by others than its owner (" + PosixFilePermissions.toString(perms)
                    + "); anyone who can write it can add a token: chmod go-w it");
        }
        List<Entry> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (i + 1) + ": ";
            String[] f = line.split("\\s+");
            if (f.length != 3) {
                throw new IOException(where + "expected NAME ROLE[,ROLE...] SHA256-HEX, got " + f.length + " fields");
            }
            if (!NAME.matcher(f[0]).matches()) {
                throw new IOException(where + "a token name is 1 to 64 of letters, digits and ._@- (got '" + f[0] + "')");
            }
            Set<Role> roles = EnumSet.noneOf(Role.class);
            for (String r : f[1].split(",", -1)) {
                try {
                    roles.add(Role.parse(r));
                } catch (IllegalArgumentException e) {
                    throw new IOException(where + e.getMessage());
                }
            }
            if (!HASH.matcher(f[2]).matches()) {
                throw new IOException(where + "the token hash is 64 lower-case hex digits (SHA-256)");
            }
            for (Entry e : out) {
                if (e.name().equals(f[0])) {
                    throw new IOException(where + "a second token named '" + f[0] + "'");
                }
            }
            out.add(new Entry(f[0], roles, HexFormat.of().parseHex(f[2])));
        }
        return new TokenFile(file, out);
    }

    public List<Entry> entries() {
        return entries;
    }

    /** The principal of a clear bearer token, compared in constant time against every stored hash. */
    public Optional<Principal> authenticate(String token) {
        byte[] h = sha256(token.getBytes(StandardCharsets.UTF_8));
        Entry found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.sha256(), h)) {
                found = e;
            }
        }
        return found == null ? Optional.empty() : Optional.of(new Principal(found.name(), found.roles(), "token"));
    }

    /**
     * Adds a token for {@code name} with {@code roles} and answers the clear token (shown once). The file is
     * replaced atomically (owner-only permissions); a name already present is refused and nothing changes.
     */
    public static String issue(Path file, String name, Set<Role> roles) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a token name is 1 to 64 of letters, digits and ._@- (got '" + name + "')");
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("a token needs at least one role");
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (FileChannel lock = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var held = lock.lock()) { // one writer at a time (a CLI beside a starting node): read once, write once
            TokenFile current = read(file);
            if (current.entries.stream().anyMatch(e -> e.name().equals(name))) {
                throw new IllegalArgumentException(file + " already holds a token named '" + name + "'");
            }
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            StringBuilder text = new StringBuilder("# backplane admin tokens: NAME ROLE[,ROLE...] SHA256-HEX\n");
            for (Entry e : current.entries) {
                text.append(line(e.name(), e.roles(), e.sha256()));
            }
            text.append(line(name, roles, sha256(token.getBytes(StandardCharsets.UTF_8))));
            OwnerOnlyFile.write(file, text.toString());
            return token;
        }
    }

    private static String line(String name, Set<Role> roles, byte[] sha256) {
        return name + " " + String.join(",", roles.stream().sorted().map(Role::wireName).toList()) + " " + HexFormat.of().formatHex(sha256) + "\n";
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
