package io.backplane.hsm.guard;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.Signature;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.bls.Bls;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The child JVM of {@link GuardCrashIT}: opens the guard, checks that every signature the parent saw released
 * before earlier kills is still recorded (identical bytes give the stored signature back, flagged repeated; other
 * bytes are refused), then signs votes in a loop until it is killed. Prints one line per outcome, after the outcome.
 * Args: guardDir releasedFile life startRound seed [anchorFile]. With an anchor file the guard is anchored there
 * ({@link FileGuardAnchor}), as the keystore's is in the token: the log is fsynced, then the anchor raised, then the
 * signature released, so a kill between any two of them must neither double-sign nor leave a guard that refuses to open.
 */
public final class GuardCrashChild {
    private GuardCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path released = Path.of(args[1]);
        int life = Integer.parseInt(args[2]);
        long start = Long.parseLong(args[3]);
        Random rnd = new Random(Long.parseLong(args[4]) * 31 + life);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        GuardAnchor anchor = args.length > 5 ? new FileGuardAnchor(Path.of(args[5])) : GuardAnchor.NONE;
        SigningGuard guard = SigningGuard.open(dir, anchor);
        if (guard.refusal().isPresent()) {
            out.println("FAIL the guard refuses to sign after a crash: " + guard.refusal().get());
            out.flush();
            System.exit(1);
        }
        GuardedSigning signer = new GuardedSigning(guard, Bls.inMemory(SigningGuardIT.KEY, SigningGuardIT.SECRET), SigningListener.NONE);

        List<String> lines = Files.exists(released) ? Files.readAllLines(released) : List.of();
        int checked = 0;
        for (int i = 0; i < lines.size(); i++) {
            // The last 25 released, plus a seeded sample of older ones.
            if (i < lines.size() - 25 && rnd.nextInt(20) != 0) {
                continue;
            }
            String[] f = lines.get(i).split(" ");
            long round = Long.parseLong(f[0]);
            byte[] msg = HexFormat.of().parseHex(f[1]);
            byte[] sig = HexFormat.of().parseHex(f[2]);
            boolean inWindow = i >= lines.size() - 25;
            Signature again;
            try {
                again = signer.sign(new SigningRequest(SigningGuardIT.KEY, 0, round, SigningKind.VOTE, msg));
            } catch (DoubleSignRefused r) {
                // Past the recent window (SigningGuard.RECENT_PER_KEY) the guard keeps only the watermark: refusing
                // even identical bytes there is safe. Within it, the stored signature must come back.
                if (inWindow) {
                    out.println("FAIL round " + round + " was released but its identical request was refused: " + r.getMessage());
                    out.flush();
                    System.exit(1);
                }
                again = null;
            }
            if (again != null && (!again.repeated() || !Arrays.equals(again.bytes(), sig))) {
                out.println("FAIL round " + round + " was released but not recorded (repeated=" + again.repeated() + ")");
                out.flush();
                System.exit(1);
            }
            byte[] other = (new String(msg, StandardCharsets.UTF_8) + " conflicting").getBytes(StandardCharsets.UTF_8);
            try {
                signer.sign(new SigningRequest(SigningGuardIT.KEY, 0, round, SigningKind.VOTE, other));
                out.println("FAIL round " + round + " signed twice with different bytes");
                out.flush();
                System.exit(1);
            } catch (DoubleSignRefused expected) {
                checked++;
            }
        }
        out.println("CHECKED " + checked);
        out.flush();
        for (long round = start; ; round++) {
            byte[] msg = ("life " + life + " round " + round).getBytes(StandardCharsets.UTF_8);
            try {
                Signature s = signer.sign(new SigningRequest(SigningGuardIT.KEY, 0, round, SigningKind.VOTE, msg));
                out.println("SIGNED " + round + " " + HexFormat.of().formatHex(msg) + " " + s.hex());
            } catch (DoubleSignRefused r) {
                out.println("REFUSED " + round);
            }
            out.flush();
        }
    }
}
