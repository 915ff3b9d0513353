package io.backplane.node.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The consensus safety data of one key, kept in one small file replaced atomically: written to a temporary file,
 * fsynced, renamed over the old one, and the directory fsynced, so after a crash at any instant the file holds the old
 * or the new value, whole (a CRC32C guards against anything else). Hand-written because it is one value that must be
 * synchronous; RocksDB would add a dependency and background threads for a 40-byte record.
 */
public final class SafetyDataFile {
    private static final int MAX = 4096;
    private final Path file;
    private final Path tmp;

    public SafetyDataFile(Path file) {
        this.file = file.toAbsolutePath();
        this.tmp = this.file.resolveSibling(this.file.getFileName() + ".tmp");
        try {
            Files.createDirectories(this.file.getParent());
            Files.deleteIfExists(tmp); // a temporary file left by a crash was never renamed: its value was never relied on
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the safety-data directory " + this.file.getParent(), e);
        }
    }

    public Path path() {
        return file;
    }

    /** The stored value, or empty when none was ever written; a damaged file is an error, never an empty answer. */
    public Optional<byte[]> read() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            byte[] all = Files.readAllBytes(file);
            if (all.length < 8) {
                throw new IllegalStateException("safety-data file " + file + " is damaged: " + all.length + " bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(all);
            int len = b.getInt();
            if (len < 0 || len > MAX || all.length != 8 + len) {
                throw new IllegalStateException("safety-data file " + file + " is damaged: length " + len + " in " + all.length + " bytes");
            }
            byte[] value = new byte[len];
            b.get(value);
            if (b.getInt() != crc(value)) {
                throw new IllegalStateException("safety-data file " + file + " is damaged: checksum mismatch");
            }
            return Optional.of(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the safety-data file " + file, e);
        }
    }

    /** Replaces the value durably; when this returns the new value survives a crash. */
    public void write(byte[] value) throws IOException {
        if (value.length > MAX) {
            throw new IllegalArgumentException("safety data is " + value.length + " bytes, more than " + MAX);
        }
        ByteBuffer b = ByteBuffer.allocate(8 + value.length).putInt(value.length).put(value).putInt(crc(value)).flip();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + file + " cannot rename atomically", e);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static int crc(byte[] v) {
        CRC32C c = new CRC32C();
        c.update(v);
        return (int) c.getValue();
    }
}
