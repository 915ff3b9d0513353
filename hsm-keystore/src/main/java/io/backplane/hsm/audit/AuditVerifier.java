package io.backplane.hsm.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks an audit log: contiguous sequence numbers, each {@code prev} equal to the previous entry's hash, each hash
 * recomputed, each checkpoint's head equal to the chain and its signature valid under the identity public key. Any
 * edit, deletion or reordering breaks one of these at the first damaged entry. Entries after the last checkpoint are
 * chained but not yet signed: a deletion of the whole tail after it cannot be told from a log that ends there, so the
 * report says how many such entries there are.
 */
public final class AuditVerifier {
    private AuditVerifier() {
    }

    /** The verdict: ok, counts, and the problems found (the first one names the entry). */
    public record Result(boolean ok, long entries, long checkpoints, long unsignedTail, List<String> problems) {
    }

    public static Result verify(Path file, PublicKey identity) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read audit log " + file, e);
        }
        List<String> problems = new ArrayList<>();
        byte[] prev = AuditLog.GENESIS;
        long checkpoints = 0;
        long sinceCheckpoint = 0;
        for (int i = 0; i < lines.size(); i++) {
            String where = "line " + (i + 1);
            JsonNode n;
            try {
                n = AuditLog.MAPPER.readTree(lines.get(i));
                HexFormat.of().parseHex(n.path("prev").asText());
                HexFormat.of().parseHex(n.path("hash").asText());
            } catch (IOException | IllegalArgumentException e) {
                problems.add(where + ": malformed entry (" + e.getMessage() + ")");
                break;
            }
            long seq = n.path("seq").asLong(-1);
            if (seq != i) {
                problems.add(where + ": sequence number " + seq + ", expected " + i + " (an entry was deleted, inserted or moved)");
                break;
            }
            byte[] claimedPrev = HexFormat.of().parseHex(n.path("prev").asText());
            if (!MessageDigest.isEqual(claimedPrev, prev)) {
                problems.add(where + " (seq " + seq + "): prev does not match the previous entry's hash (chain broken)");
                break;
            }
            String event = n.path("event").asText();
            byte[] hash = AuditLog.hash(seq, n.path("time").asText(), event, n.path("keyId").asText(), AuditLog.detail(n.path("detail")), prev);
            if (!MessageDigest.isEqual(hash, HexFormat.of().parseHex(n.path("hash").asText()))) {
                problems.add(where + " (seq " + seq + "): content does not match its hash (entry edited)");
                break;
            }
            if (AuditLog.CHECKPOINT.equals(event)) {
                byte[] head = n.path("detail").path("head").asText().equals(HexFormat.of().formatHex(prev)) ? prev : null;
                if (head == null || !Arrays.equals(head, prev)) {
                    problems.add(where + " (seq " + seq + "): checkpoint head is not the chain head");
                    break;
                }
                if (!verifySignature(identity, head, n.path("detail").path("signature").asText())) {
                    problems.add(where + " (seq " + seq + "): checkpoint signature does not verify with the identity key");
                    break;
                }
                checkpoints++;
                sinceCheckpoint = 0;
            } else {
                sinceCheckpoint++;
            }
            prev = hash;
        }
        return new Result(problems.isEmpty(), lines.size(), checkpoints, sinceCheckpoint, problems);
    }

    private static boolean verifySignature(PublicKey key, byte[] data, String sigHex) {
        try {
            byte[] sig = HexFormat.of().parseHex(sigHex);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(key);
            s.update(data);
            return s.verify(sig);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
