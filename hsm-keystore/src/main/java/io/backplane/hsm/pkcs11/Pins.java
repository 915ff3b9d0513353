package io.backplane.hsm.pkcs11;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * Where a user PIN comes from: {@code BACKPLANE_HSM_PIN} when set, else a file readable by its owner only. Never a
 * command-line flag, never logged; error messages name the file, not its content.
 */
public final class Pins {
    public static final String ENV = "BACKPLANE_HSM_PIN";

    private Pins() {
    }

    /** Reads the PIN from the environment or {@code pinFile}; refuses a file others can read. */
    public static char[] read(Map<String, String> env, Path pinFile) {
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv.toCharArray();
        }
        if (!Files.isRegularFile(pinFile)) {
            throw new TokenException("no PIN: " + ENV + " is not set and PIN file " + pinFile + " does not exist (run `backplane keys init-token`)", false, null);
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(pinFile);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new TokenException("PIN file " + pinFile + " is readable by others (" + PosixFilePermissions.toString(perms)
                        + "); chmod 600 it", false, null);
            }
            byte[] raw = Files.readAllBytes(pinFile);
            CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(raw));
            Arrays.fill(raw, (byte) 0);
            char[] pin = new char[chars.remaining()];
            chars.get(pin);
            int len = pin.length;
            while (len > 0 && (pin[len - 1] == '\n' || pin[len - 1] == '\r')) {
                len--;
            }
            char[] out = Arrays.copyOf(pin, len);
            Arrays.fill(pin, '\0');
            if (out.length == 0) {
                throw new TokenException("PIN file " + pinFile + " is empty", false, null);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read PIN file " + pinFile, e);
        }
    }

    /** A fresh random PIN (32 hex characters from the JDK's SecureRandom). */
    public static char[] random() {
        return HexFormat.of().formatHex(SoftHsm.randomBytes(16)).toCharArray();
    }

    /** Writes {@code secret} to {@code file} created with mode 0600 (never widened, even for a moment). */
    public static void writeSecretFile(Path file, char[] secret) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            Files.write(file, bytes, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            Arrays.fill(bytes, (byte) 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
