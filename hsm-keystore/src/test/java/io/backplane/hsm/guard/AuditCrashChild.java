package io.backplane.hsm.guard;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.audit.AuditAnchor;
import io.backplane.hsm.audit.AuditLog;
import io.backplane.hsm.bls.Bls;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The child JVM of {@link AuditCrashIT}: a guard and an audit log wired as the keystore wires them (the {@code sign}
 * entry rides in the guard record, the audit log appends it unsynced, then its anchor is written), halted as by
 * SIGKILL at one point of round {@code -Dbackplane.crash.round}: {@code afterGuardRecord} (the audit entry and its
 * anchor never written), {@code beforeAuditAnchor} or {@code afterAuditAnchor} (never released). Signs rounds from
 * {@code start}; a round below it is asked again with other bytes first. Args: dir start.
 */
public final class AuditCrashChild {
    private AuditCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long start = Long.parseLong(args[1]);
        String point = System.getProperty("backplane.crash.point", "");
        long haltRound = Long.getLong("backplane.crash.round", -1);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        long[] current = {-1};
        SigningGuard guard = SigningGuard.open(dir.resolve("guard"));
        AuditLog audit = new AuditLog(dir.resolve("audit.log"), Clock.systemUTC(), 1 << 20, "x", null,
                new FileAuditAnchor(dir.resolve("audit.anchor"), () -> current[0] == haltRound ? point : ""), guard.auditCopies());
        SigningListener listener = new SigningListener() {
            @Override
            public void signed(SigningRequest r, byte[] sha256, byte[] signature, boolean repeated) {
                audit.append(repeated ? "sign-repeat" : "sign", r.keyId(), detail(r, sha256));
            }

            @Override
            public void refused(SigningRequest r, byte[] sha256, DoubleSignRefused refusal) {
                audit.append("sign-refused", r.keyId(), detail(r, sha256));
            }

            @Override
            public void recordSigned(SigningRequest r, byte[] sha256, byte[] signature, GuardRecord record) {
                audit.appendDurably("sign", r.keyId(), detail(r, sha256), copy -> {
                    record.record(copy);
                    if (r.round() == haltRound && point.equals("afterGuardRecord")) {
                        Runtime.getRuntime().halt(137);
                    }
                });
            }
        };
        GuardedSigning signer = new GuardedSigning(guard, Bls.inMemory(SigningGuardIT.KEY, SigningGuardIT.SECRET), listener);
        if (start > 0) {
            try {
                signer.sign(vote(start - 1, "other bytes"));
                out.println("SIGNED-CONFLICT " + (start - 1));
            } catch (DoubleSignRefused expected) {
                out.println("REFUSED " + (start - 1));
            }
        }
        for (long round = start; round < start + 10; round++) {
            current[0] = round;
            var s = signer.sign(vote(round, "round " + round));
            out.println("SIGNED " + round + " " + s.hex());
            out.flush();
        }
        out.flush();
        audit.close();
        guard.close();
    }

    static SigningRequest vote(long round, String msg) {
        return new SigningRequest(SigningGuardIT.KEY, 0, round, SigningKind.VOTE, msg.getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, String> detail(SigningRequest r, byte[] sha256) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("kind", r.kind().wireName());
        d.put("epoch", Long.toString(r.epoch()));
        d.put("round", Long.toString(r.round()));
        d.put("sha256", HexFormat.of().formatHex(sha256));
        return d;
    }

    /** The audit anchor in a file (the keystore's is in the token), halting around its write when told. */
    static final class FileAuditAnchor implements AuditAnchor {
        private final Path file;
        private final java.util.function.Supplier<String> halt;

        FileAuditAnchor(Path file, java.util.function.Supplier<String> halt) {
            this.file = file;
            this.halt = halt;
        }

        @Override
        public Optional<Head> read() {
            try {
                return Files.exists(file) ? Optional.of(Head.decode(Files.readAllBytes(file))) : Optional.empty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void write(Head head) {
            if (halt.get().equals("beforeAuditAnchor")) {
                Runtime.getRuntime().halt(137);
            }
            try {
                Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                Files.write(tmp, head.encode());
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (halt.get().equals("afterAuditAnchor")) {
                Runtime.getRuntime().halt(137);
            }
        }
    }
}
