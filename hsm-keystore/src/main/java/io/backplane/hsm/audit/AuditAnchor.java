package io.backplane.hsm.audit;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import java.util.Optional;

/**
 * Where the audit log's latest (sequence, head hash) is kept outside the log, so that deleting its tail, truncating it
 * or putting back an older copy is detected: the log must contain the anchored entry. The keystore keeps it in the
 * PKCS#11 token (a private data object: writing or reading it needs the user PIN, and it is not a file of the node
 * home that can be rolled back with the log).
 */
public interface AuditAnchor {
    /** The anchored entry: its sequence number and hash. */
    record Head(long seq, byte[] hash) {
        public Head {
            if (seq < 0 || hash.length != 32) {
                throw new IllegalArgumentException("audit anchor needs seq >= 0 and a 32-byte hash");
            }
            hash = hash.clone();
        }

        @Override
        public byte[] hash() {
            return hash.clone();
        }

        /** The stored form: the canonical encoding of (seq, hash). */
        public byte[] encode() {
            return new CanonicalWriter(48).u64(seq).fixed(hash, 32).toByteArray();
        }

        public static Head decode(byte[] b) {
            try {
                CanonicalReader r = new CanonicalReader(b);
                Head h = new Head(r.u64(), r.fixed(32));
                r.finish();
                return h;
            } catch (RuntimeException e) {
                throw new IllegalStateException("the audit anchor in the token is malformed (" + e.getMessage() + ")", e);
            }
        }
    }

    Optional<Head> read();

    /** Makes {@code head} the anchor; when it returns the token has accepted it (its storage is the token's own). */
    void write(Head head);
}
