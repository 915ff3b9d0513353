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
import java.util.Optional;

/**
 * Checks an audit log: contiguous sequence numbers, each {@code prev} equal to the previous entry's hash, each hash
 * recomputed, each checkpoint's head equal to the chain and its signature valid under the identity public key, and
 * the entry named by the {@link AuditAnchor} (kept in the token) present with the anchored hash. Any edit, deletion or
 * reordering breaks one of these: inside the log the chain or a checkpoint, at its end (a deleted tail, a truncation,
 * an older copy put back) the anchor. An {@code audit-anchor-mismatch} entry (the keystore found such damage at open)
 * is reported as a problem too. Entries after the anchor (only while a node is appending, or after a crash between the
 * log's and the anchor's writes) and after the last checkpoint are counted.
 */
public final class AuditVerifier {
    private AuditVerifier() {
    }

    /** The verdict: ok, counts, and the problems found (the first one names the entry). */
    public record Result(boolean ok, long entries, long checkpoints, long unsignedTail, long anchorSeq, long afterAnchor,
            List<String> problems) {
        /** The verdict as {@code keys audit-verify --json} and the admin API's {@code /v1/audit/verify} print it. */
        public java.util.Map<String, Object> document() {
            java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("ok", ok);
            doc.put("entries", entries);
            doc.put("checkpoints", checkpoints);
            doc.put("unsignedTail", unsignedTail);
            doc.put("anchorSeq", anchorSeq);
            doc.put("afterAnchor", afterAnchor);
            doc.put("problems", problems);
            return doc;
        }
    }

    /**
     * Verifies {@code file} (a missing file is an empty log) against the identity key and {@code anchor} (read from
     * the token <em>before</em> the log, so a node appending meanwhile only adds entries after it). No anchor while
     * the log has entries is a problem: the token lost it, or the log belongs to another token.
     */
    public static Result verify(Path file, PublicKey identity, Optional<AuditAnchor.Head> anchor) {
        return verify(file, identity, anchor, List.of());
    }

    /**
     * As above, checking the log as the keystore will read it at its next open: with the tail a power cut took from
     * its unsynced entries put back from {@code copies} ({@link io.backplane.hsm.guard.SigningGuard#readAuditCopies},
     * read-only), so a log that only waits for that rebuild is not reported as cut. The file is not changed.
     */
    public static Result verify(Path file, PublicKey identity, Optional<AuditAnchor.Head> anchor,
            List<io.backplane.hsm.guard.SigningGuard.AuditCopy> copies) {
        List<String> lines;
        boolean unterminated;
        try {
            byte[] all = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
            AuditLog.Rebuilt rebuilt = copies.isEmpty() || !Files.exists(file) ? null : AuditLog.rebuild(all, copies);
            if (rebuilt != null) {
                all = rebuilt.bytes();
            }
            unterminated = all.length > 0 && all[all.length - 1] != '\n';
            lines = new String(all, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read audit log " + file, e);
        }
        List<byte[]> hashes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        // (key, kind, epoch, round) -> the first signed digest and where: two different ones are a double sign.
        java.util.Map<String, String[]> signedAt = new java.util.HashMap<>();
        if (unterminated) {
            problems.add("line " + lines.size() + ": the last line has no newline (" + lines.get(lines.size() - 1).length()
                    + " characters): a torn write (the keystore cuts it at its next open if it begins as the next entry must) "
                    + "or bytes appended to the log (the keystore refuses to open then)");
        }
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
            if ("sign".equals(event)) {
                JsonNode d = n.path("detail");
                String slot = n.path("keyId").asText() + " " + d.path("kind").asText() + " at epoch " + d.path("epoch").asText() + " round "
                        + d.path("round").asText();
                String digest = d.path("sha256").asText();
                String[] first = signedAt.putIfAbsent(slot, new String[] {digest, where});
                if (first != null && !first[0].equals(digest)) {
                    problems.add(where + " (seq " + seq + "): double sign: " + slot + " was signed for two different digests ("
                            + first[1] + ": sha256 " + first[0] + "; here: sha256 " + digest + ")");
                }
            }
            if (AuditLog.ANCHOR_MISMATCH.equals(event)) {
                problems.add(where + " (seq " + seq + "): at open the keystore found the log without its anchored entry (anchor seq "
                        + n.path("detail").path("anchorSeq").asText() + ", log ended at seq " + n.path("detail").path("logLastSeq").asText()
                        + "): entries before this line were deleted or the log was replaced");
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
            hashes.add(hash);
        }
        long anchorSeq = anchor.map(AuditAnchor.Head::seq).orElse(-1L);
        long afterAnchor = 0;
        boolean chainBroken = hashes.size() < lines.size();
        if (chainBroken) {
            // The first damaged entry is named above; the end of a broken chain says nothing more.
        } else if (anchor.isEmpty()) {
            if (!lines.isEmpty()) {
                problems.add("the token holds no audit anchor for this log: it cannot be checked for a deleted tail");
            }
        } else {
            AuditAnchor.Head a = anchor.get();
            if (a.seq() >= lines.size()) {
                problems.add("the log ends at seq " + (lines.size() - 1) + " but the token's anchor is at seq " + a.seq()
                        + ": entries were deleted from the end, or the log was truncated or replaced by an older copy");
            } else if (a.seq() < hashes.size()) {
                if (!MessageDigest.isEqual(hashes.get((int) a.seq()), a.hash())) {
                    problems.add("line " + (a.seq() + 1) + " (seq " + a.seq() + "): not the entry anchored in the token (hash "
                            + HexFormat.of().formatHex(a.hash()) + "): the log was replaced");
                }
                afterAnchor = lines.size() - 1 - a.seq();
            }
        }
        return new Result(problems.isEmpty(), lines.size(), checkpoints, sinceCheckpoint, anchorSeq, afterAnchor, problems);
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
