package io.backplane.accel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Reads the outside vectors from {@code -Dbackplane.vectors} (set by surefire); never copies them. */
public final class TestVectors {
    public static final HexFormat HEX = HexFormat.of();

    private TestVectors() {
    }

    public static Path dir() {
        String p = System.getProperty("backplane.vectors");
        if (p == null) {
            throw new IllegalStateException("system property backplane.vectors is not set (run through Maven)");
        }
        return Path.of(p);
    }

    public static JsonNode json(String relative) {
        try {
            return new ObjectMapper().readTree(dir().resolve(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One CAVP byte-oriented case. */
    public record ShaCase(byte[] msg, byte[] md) {
    }

    /** SHA256ShortMsg.rsp / SHA256LongMsg.rsp; Len = 0 has "Msg = 00" meaning the empty message. */
    public static List<ShaCase> shavs(String file) {
        try {
            List<ShaCase> out = new ArrayList<>();
            int len = -1;
            byte[] msg = null;
            for (String raw : Files.readAllLines(dir().resolve("nist-cavp-shavs/SHAVS").resolve(file))) {
                String line = raw.strip();
                if (line.startsWith("Len = ")) {
                    len = Integer.parseInt(line.substring(6));
                } else if (line.startsWith("Msg = ")) {
                    msg = len == 0 ? new byte[0] : HEX.parseHex(line.substring(6));
                } else if (line.startsWith("MD = ")) {
                    if (msg.length * 8 != len) {
                        throw new IllegalStateException("bad vector: Len " + len + " vs " + msg.length + " bytes");
                    }
                    out.add(new ShaCase(msg, HEX.parseHex(line.substring(5))));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** 2^21 + 1 distinct leaves: the last one hangs alone under the root's right child (the "millions"). */
    public static List<byte[]> millionsOfLeaves() {
        int n = (1 << 21) + 1;
        List<byte[]> leaves = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            leaves.add(new byte[]{(byte) i, (byte) (i >> 8), (byte) (i >> 16), (byte) (i >> 24)});
        }
        return leaves;
    }
}
