package io.backplane.hsm.guard;

import io.backplane.hsm.SigningKind;
import io.backplane.hsm.Watermark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A guard anchor in a file (temp file, fsync, atomic rename, fsync dir), for the crash child: it survives SIGKILL like
 * the token object does, and it is a real durable write between the log's fsync and the release. Stands in for the
 * token because a SoftHSM token per crash child would cost seconds per life; the keystore's token anchor has the same
 * contract (it keeps the maximum and is durable when {@code write} returns).
 *
 * <p>{@code -Dbackplane.crash.haltBeforeAnchor=R}: halts the JVM (as SIGKILL would: no shutdown hooks, nothing more
 * written) when asked to anchor a vote at round R, after the log's fsync and before the anchor is written.
 * {@code -Dbackplane.crash.haltAfterAnchor=R}: halts right after the anchor for round R is durable, before release.
 */
final class FileGuardAnchor implements GuardAnchor {
    private final Path file;
    private final long haltBefore = Long.getLong("backplane.crash.haltBeforeAnchor", -1);
    private final long haltAfter = Long.getLong("backplane.crash.haltAfterAnchor", -1);
    private List<Watermark> held;

    FileGuardAnchor(Path file) {
        this.file = file;
    }

    @Override
    public synchronized Optional<List<Watermark>> read() {
        if (held == null && Files.exists(file)) {
            List<Watermark> out = new ArrayList<>();
            try {
                for (String line : Files.readAllLines(file)) {
                    String[] f = line.split(" ");
                    out.add(new Watermark(f[0], SigningKind.parse(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            held = out;
        }
        return Optional.ofNullable(held);
    }

    @Override
    public synchronized void write(List<Watermark> watermarks) {
        read();
        List<Watermark> merged = GuardAnchor.max(held == null ? List.of() : held, watermarks);
        if (merged.equals(held)) {
            return;
        }
        long top = merged.stream().filter(w -> w.kind() == SigningKind.VOTE).mapToLong(Watermark::round).max().orElse(-1);
        if (top == haltBefore) {
            Runtime.getRuntime().halt(137);
        }
        StringBuilder sb = new StringBuilder();
        for (Watermark w : merged) {
            sb.append(w.keyId()).append(' ').append(w.kind().wireName()).append(' ').append(w.epoch()).append(' ').append(w.round()).append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            SigningGuard.fsyncDir(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        held = merged;
        if (top == haltAfter) {
            Runtime.getRuntime().halt(137);
        }
    }
}
