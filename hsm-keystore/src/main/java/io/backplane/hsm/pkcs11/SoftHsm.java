package io.backplane.hsm.pkcs11;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The project-owned SoftHSM2 setup for development and tests: a {@code softhsm2.conf} and a token directory inside a
 * directory we own (never {@code /etc/softhsm2.conf}), and token creation by label. Production points
 * {@code hsm.library} at the vendor's library instead and never calls this class.
 */
public final class SoftHsm {
    /** Where Debian and other distributions put SoftHSM2's PKCS#11 library. */
    public static final List<Path> LIBRARY_PATHS = List.of(
            Path.of("/usr/lib/softhsm/libsofthsm2.so"),
            Path.of("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
            Path.of("/usr/lib64/pkcs11/libsofthsm2.so"),
            Path.of("/usr/local/lib/softhsm/libsofthsm2.so"));

    private final Path dir;

    /** A SoftHSM setup whose config and tokens live under {@code dir} (for a node: {@code <home>/hsm}). */
    public SoftHsm(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /** The installed SoftHSM2 library, if any. */
    public static Optional<Path> findLibrary() {
        return LIBRARY_PATHS.stream().filter(Files::isRegularFile).findFirst();
    }

    public Path configFile() {
        return dir.resolve("softhsm2.conf");
    }

    public Path tokenDir() {
        return dir.resolve("tokens");
    }

    /**
     * Writes the config (idempotent) and points this process's SoftHSM at it. Nothing is written when the directories
     * exist and the config already has this content; a missing or different config is replaced atomically (written
     * beside it, then renamed), so a reader never sees half a file.
     */
    public SoftHsm activate() {
        try {
            for (Path d : List.of(dir, tokenDir())) {
                if (!Files.isDirectory(d)) {
                    Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
            }
            if (!configIsCurrent()) {
                Path part = dir.resolve(configFile().getFileName() + ".part");
                Files.writeString(part, configText(), StandardCharsets.UTF_8);
                Files.move(part, configFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write SoftHSM config under " + dir, e);
        }
        ProcessEnv.useSoftHsmConfig(configFile());
        return this;
    }

    /**
     * For commands that only read a home ({@code keys list}, {@code keys audit-verify}): uses the existing setup and
     * writes nothing, so they work on a read-only home; a missing token directory names the first step, and a config
     * that does not match this directory (a moved home) is an error rather than a write.
     */
    public SoftHsm activateExisting() {
        if (!Files.isDirectory(tokenDir()) || !Files.isRegularFile(configFile())) {
            throw new TokenException("no SoftHSM token under " + dir + " (the first step is `backplane keys init-token`)", false, null);
        }
        if (!configIsCurrent()) {
            throw new TokenException("the SoftHSM config " + configFile() + " does not point at " + tokenDir()
                    + " (was the home moved?); a command that writes the home (e.g. `backplane keys init-token`) rewrites it", false, null);
        }
        ProcessEnv.useSoftHsmConfig(configFile());
        return this;
    }

    private String configText() {
        return "# Written by Backplane: SoftHSM2 config owned by this node home (never the system one).\n"
                + "directories.tokendir = " + tokenDir() + "\n"
                + "objectstore.backend = file\n"
                + "log.level = ERROR\n"
                + "slots.removable = false\n";
    }

    private boolean configIsCurrent() {
        try {
            return Files.isRegularFile(configFile()) && Files.readString(configFile(), StandardCharsets.UTF_8).equals(configText());
        } catch (IOException e) {
            return false;
        }
    }

    /** The environment variable that gives the SO PIN for a new token (then no {@code so-pin-<label>} file is written). */
    public static final String SO_PIN_ENV = "BACKPLANE_HSM_SO_PIN";

    /** {@link #ensureToken(Path, String, char[], char[])} with a random SO PIN kept in {@code so-pin-<label>}. */
    public boolean ensureToken(Path library, String label, char[] userPin) {
        return ensureToken(library, label, userPin, null);
    }

    /** Where a new token's random SO PIN is kept when none is given. */
    public Path soPinFile(String label) {
        return dir.resolve("so-pin-" + label.replaceAll("[^A-Za-z0-9_.-]", "_"));
    }

    /**
     * Creates the token {@code label} with {@code userPin} unless it exists; returns true when it created it. The SO PIN
     * is {@code soPin} when given (the operator keeps it: nothing is written); else random and written to
     * {@link #soPinFile} (mode 0600) beside the config, since it is the only way to reset a locked user PIN and a
     * development token must not become unusable for want of it.
     */
    public boolean ensureToken(Path library, String label, char[] userPin, char[] soPin) {
        activate();
        Cryptoki ck = Cryptoki.open(library.toString());
        if (ck.slots().stream().anyMatch(s -> s.initialized() && s.label().equals(label))) {
            return false;
        }
        checkPinLength("user PIN (" + Pins.ENV + " or the PIN file)", userPin);
        if (soPin != null && soPin.length > 0) {
            checkPinLength("SO PIN (" + SO_PIN_ENV + ")", soPin);
        }
        Cryptoki.Slot free = ck.slots().stream().filter(s -> !s.initialized()).findFirst()
                .orElseThrow(() -> new TokenException("SoftHSM offers no free slot to create token '" + label + "'", false, null));
        char[] so;
        boolean wroteSo = false;
        if (soPin != null && soPin.length > 0) {
            so = soPin.clone();
        } else {
            so = HexFormat.of().formatHex(randomBytes(16)).toCharArray();
            Pins.writeSecretFile(soPinFile(label), so);
            wroteSo = true;
        }
        java.util.Set<Path> before = tokenDirs();
        try {
            ck.initToken(free.id(), label, so, userPin);
        } catch (RuntimeException e) {
            // A failure after C_InitToken leaves a token without a user PIN that every later init-token trips on: remove
            // what this call made (the new token directory, the SO PIN file), so a corrected retry starts clean.
            try {
                for (Path p : tokenDirs()) {
                    if (!before.contains(p)) {
                        deleteTree(p);
                    }
                }
                if (wroteSo) {
                    Files.deleteIfExists(soPinFile(label));
                }
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        } finally {
            java.util.Arrays.fill(so, '\0');
        }
        return true;
    }

    /** SoftHSM2's PIN length limits (its MIN_PIN_LEN and MAX_PIN_LEN), checked before anything is created. */
    public static final int MIN_PIN_BYTES = 4;
    public static final int MAX_PIN_BYTES = 255;

    static void checkPinLength(String what, char[] pin) {
        int n = new String(pin).getBytes(StandardCharsets.UTF_8).length;
        if (n < MIN_PIN_BYTES || n > MAX_PIN_BYTES) {
            throw new TokenException("the " + what + " is " + n + " bytes long; SoftHSM2 accepts " + MIN_PIN_BYTES + " to " + MAX_PIN_BYTES
                    + " bytes; nothing was created", false, null);
        }
    }

    private java.util.Set<Path> tokenDirs() {
        try (var s = Files.list(tokenDir())) {
            return s.collect(java.util.stream.Collectors.toSet());
        } catch (IOException e) {
            return java.util.Set.of();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
