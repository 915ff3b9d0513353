package io.backplane.accel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Reads the outside vectors from the directory surefire passes as {@code backplane.vectors}. */
public final class Vectors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Vectors() {
    }

    public static Path root() {
        String dir = System.getProperty("backplane.vectors", "../../shared/vectors");
        Path p = Path.of(dir);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("vectors directory " + p.toAbsolutePath() + " (system property backplane.vectors) is missing");
        }
        return p;
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every *.json file of a directory, sorted by name. */
    public static List<Path> jsonFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hex with or without a {@code 0x} prefix (v0.1.2's deserialization inputs have none). */
    public static byte[] hex(String s) {
        String h = s.startsWith("0x") ? s.substring(2) : s;
        return HexFormat.of().parseHex(h);
    }
}
