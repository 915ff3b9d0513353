package io.backplane.node.consensus.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.AccelMetrics.FallbackReason;
import io.backplane.accel.Accelerator;
import io.backplane.accel.DeviceFaultHook;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link AcceleratedBls} gives {@link BlsSignatureScheme}'s answer (the CPU reference) on valid and forged votes, QCs
 * and TCs, over the CPU backend and over the OpenCL device with every threshold at 1 (every device answer
 * cross-checked; a mismatch would be counted and is asserted absent). Inputs are seeded; the seed is in every message.
 */
class AcceleratedBlsIT {
    private static final long SEED = Long.getLong("backplane.seed", 6L);
    private static final int N = 5;
    private static final BlsSignatureScheme CPU = new BlsSignatureScheme();
    private static SecretSigner[] keys;
    private static ValidatorSet validators;
    private static QuorumCrypto reference;

    @BeforeAll
    static void keys() {
        Random rnd = new Random(SEED);
        keys = new SecretSigner[N];
        List<Validator> vs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            keys[i] = CPU.keyFromSeed(ikm);
            vs.add(new Validator(keys[i].publicKey(), 1, keys[i].proofOfPossession()));
        }
        validators = new ValidatorSet(1, vs);
        reference = CPU.forValidators(validators);
    }

    private static byte[] msg(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] infinity() {
        byte[] b = new byte[96];
        b[0] = (byte) 0xc0;
        return b;
    }

    /** A compressed point on the G2 curve outside the prime-order subgroup (seeded random x until one decodes). */
    private static byte[] outsideG2() {
        Random rnd = new Random(SEED);
        while (true) {
            byte[] b = new byte[96];
            rnd.nextBytes(b);
            b[0] = (byte) (0x80 | (b[0] & 0x1f));
            try {
                if (!new supranational.blst.P2_Affine(b).in_group()) {
                    return b;
                }
            } catch (RuntimeException notOnTheCurve) {
                // next x
            }
        }
    }

    /** Every case, each answered by the adapter and by the reference; returns the answers (for the non-trivial check). */
    private static List<Boolean> sameAnswersAsTheCpuScheme(QuorumCrypto q) {
        List<Boolean> answers = new ArrayList<>();
        byte[] vote = msg("vote r=7 block=abc");
        byte[] other = msg("vote r=7 block=xyz");
        byte[][] sigs = new byte[N][];
        for (int i = 0; i < N; i++) {
            sigs[i] = keys[i].sign(vote);
        }
        byte[] flipped = sigs[1].clone();
        flipped[40] ^= 1;

        // Single votes: valid, another's signature, other message, flipped byte, short, identity, null, bad index.
        Object[][] votes = {
                {0, vote, sigs[0]}, {1, vote, sigs[0]}, {2, other, sigs[2]}, {1, vote, flipped},
                {3, vote, Arrays.copyOf(sigs[3], 95)}, {3, vote, infinity()}, {3, vote, null}, {N, vote, sigs[0]},
                {-1, vote, sigs[0]}, {4, vote, sigs[4]}};
        int[] signers = new int[votes.length];
        List<byte[]> msgs = new ArrayList<>();
        List<byte[]> vsigs = new ArrayList<>();
        for (int k = 0; k < votes.length; k++) {
            int s = (Integer) votes[k][0];
            byte[] m = (byte[]) votes[k][1];
            byte[] sig = (byte[]) votes[k][2];
            boolean want = reference.verify(s, m, sig);
            assertThat(q.verify(s, m, sig)).as("seed %d vote %d", SEED, k).isEqualTo(want);
            answers.add(want);
            signers[k] = s;
            msgs.add(m);
            vsigs.add(sig);
        }
        // The same votes arriving together: per-vote answers, so the forgeries reject no honest vote.
        boolean[] expected = reference.verifyEach(signers, msgs, vsigs);
        assertThat(q.verifyEach(signers, msgs, vsigs)).as("seed %d batch", SEED).containsExactly(expected);
        assertThat(expected[0]).isTrue();
        assertThat(expected[9]).isTrue();
        assertThat(expected[1]).isFalse();
        // A burst of honest votes only, and one with a single forgery.
        int[] four = {0, 1, 2, 3};
        List<byte[]> fourMsgs = List.of(vote, vote, vote, vote);
        assertThat(q.verifyEach(four, fourMsgs, List.of(sigs[0], sigs[1], sigs[2], sigs[3]))).containsExactly(true, true, true, true);
        assertThat(q.verifyEach(four, fourMsgs, List.of(sigs[0], flipped, sigs[2], sigs[3]))).containsExactly(true, false, true, true);
        assertThatThrownBy(() -> q.verifyEach(four, fourMsgs, List.of(sigs[0]))).isInstanceOf(IllegalArgumentException.class);

        // QC: aggregate of 4 (a quorum of 5), byte for byte the CPU's aggregate.
        List<byte[]> quorum = List.of(sigs[0], sigs[1], sigs[2], sigs[3]);
        byte[] agg = q.aggregate(quorum);
        assertThat(agg).as("seed %d aggregate", SEED).isEqualTo(reference.aggregate(quorum));
        BitSet who = new BitSet();
        who.set(0, 4);
        BitSet wrongWho = (BitSet) who.clone();
        wrongWho.clear(3);
        wrongWho.set(4);
        BitSet tooMany = new BitSet();
        tooMany.set(0, N + 1);
        byte[] mixed = reference.aggregate(List.of(sigs[0], sigs[1], sigs[2], keys[3].sign(other)));
        BitSet farBeyond = (BitSet) who.clone();
        farBeyond.set(1000);
        BitSet fewer = (BitSet) who.clone();
        fewer.clear(2);
        BitSet more = (BitSet) who.clone();
        more.set(4);
        byte[] threeSigned = reference.aggregate(List.of(sigs[0], sigs[1], sigs[3]));
        Object[][] qcs = {
                {who, vote, agg}, {wrongWho, vote, agg}, {who, other, agg}, {who, vote, mixed}, {new BitSet(), vote, agg},
                {tooMany, vote, agg}, {who, vote, infinity()}, {who, vote, sigs[0]}, {who, vote, Arrays.copyOf(agg, 10)},
                // a bit far beyond the set; signatures of a subset the bitmap does not name (fewer, more signed)
                {farBeyond, vote, agg}, {who, vote, threeSigned}, {fewer, vote, threeSigned}, {more, vote, agg},
                {fewer, vote, agg}, {who, vote, outsideG2()}, {who, vote, null}};
        for (int k = 0; k < qcs.length; k++) {
            BitSet s = (BitSet) qcs[k][0];
            byte[] m = (byte[]) qcs[k][1];
            byte[] a = (byte[]) qcs[k][2];
            boolean want = reference.verifyAggregate(s, m, a);
            assertThat(q.verifyAggregate(s, m, a)).as("seed %d qc %d", SEED, k).isEqualTo(want);
            assertThat(want).as("seed %d qc %d", SEED, k).isEqualTo(k == 0 || k == 11);
            answers.add(want);
        }
        // Aggregating something that is not a signature is refused, as by the CPU scheme.
        for (byte[] bad : List.of(flipped, infinity(), Arrays.copyOf(sigs[0], 95))) {
            assertThatThrownBy(() -> reference.aggregate(List.of(sigs[0], bad))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> q.aggregate(List.of(sigs[0], bad))).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> q.aggregate(List.of())).isInstanceOf(IllegalArgumentException.class);

        // TC: one message per signer (timeouts with different high-QC rounds), aggregate-verify.
        int[] tcSigners = {4, 0, 2, 1};
        List<byte[]> tcMsgs = new ArrayList<>();
        List<byte[]> tcSigs = new ArrayList<>();
        for (int s : tcSigners) {
            byte[] m = msg("timeout r=9 hqc=" + (5 + s));
            tcMsgs.add(m);
            tcSigs.add(keys[s].sign(m));
        }
        byte[] tc = reference.aggregate(tcSigs);
        List<byte[]> swapped = new ArrayList<>(tcMsgs);
        swapped.set(0, tcMsgs.get(1));
        swapped.set(1, tcMsgs.get(0));
        Object[][] tcs = {
                {tcSigners, tcMsgs, tc}, {tcSigners, swapped, tc}, {new int[]{4, 0, 2, 3}, tcMsgs, tc},
                {new int[]{4, 0, 2}, tcMsgs.subList(0, 3), tc}, {new int[]{4, 0, 2, N}, tcMsgs, tc}, {new int[0], List.of(), tc},
                {tcSigners, tcMsgs, infinity()}, {tcSigners, tcMsgs, agg}, {tcSigners, tcMsgs.subList(0, 3), tc}};
        for (int k = 0; k < tcs.length; k++) {
            int[] s = (int[]) tcs[k][0];
            @SuppressWarnings("unchecked")
            List<byte[]> m = (List<byte[]>) tcs[k][1];
            byte[] a = (byte[]) tcs[k][2];
            boolean want = reference.verifyAggregateDistinct(s, m, a);
            assertThat(q.verifyAggregateDistinct(s, m, a)).as("seed %d tc %d", SEED, k).isEqualTo(want);
            answers.add(want);
        }
        return answers;
    }

    @Test
    void cpuBackendGivesTheCpuSchemesAnswers() {
        try (Accelerator a = AccelTestSupport.cpuOnly()) {
            List<Boolean> answers = sameAnswersAsTheCpuScheme(new AcceleratedBls(a).forValidators(validators));
            assertThat(answers).contains(true, false);
            assertThat(a.metrics().calls("bls-fast-aggregate-verify-set", "cpu")).isPositive();
            assertThat(a.metrics().calls("bls-batch-verify", "cpu")).isPositive();
        }
    }

    @Test
    void deviceForcedGivesTheCpuSchemesAnswersWithoutAFallback() {
        try (Accelerator a = AccelTestSupport.deviceForced(DeviceFaultHook.NONE)) {
            sameAnswersAsTheCpuScheme(new AcceleratedBls(a).forValidators(validators));
            for (String op : List.of("bls-aggregate", "bls-fast-aggregate-verify-set", "bls-batch-verify")) {
                assertThat(a.metrics().calls(op, "opencl")).as(op + " on the device").isPositive();
                assertThat(a.metrics().crossChecks(op, false)).as(op + " cross-check mismatches").isZero();
                for (FallbackReason r : FallbackReason.values()) {
                    assertThat(a.metrics().fallbacks(op, r)).as(op + " fallbacks " + r).isZero();
                }
            }
        }
    }

    @Test
    void aDeviceThatFailsOrLiesStillGivesTheCpuSchemesAnswers() {
        DeviceFaultHook lying = new DeviceFaultHook() {
            @Override
            public void beforeDeviceCall(String op, int items) {
                if (op.equals("bls-aggregate")) {
                    throw new IllegalStateException("injected device error");
                }
            }

            @Override
            public Object afterDeviceCall(String op, Object result) {
                // A device that calls every QC valid and every vote in a batch valid: the cross-check must catch it.
                if (op.equals("bls-fast-aggregate-verify-set")) {
                    return Boolean.TRUE;
                }
                if (result instanceof boolean[] each) {
                    boolean[] all = new boolean[each.length];
                    Arrays.fill(all, true);
                    return all;
                }
                return result;
            }
        };
        try (Accelerator a = AccelTestSupport.deviceForced(lying)) {
            sameAnswersAsTheCpuScheme(new AcceleratedBls(a).forValidators(validators));
            assertThat(a.metrics().fallbacks("bls-aggregate", FallbackReason.ERROR)).isPositive();
            assertThat(a.metrics().fallbacks("bls-fast-aggregate-verify-set", FallbackReason.MISMATCH)).isPositive();
            assertThat(a.metrics().fallbacks("bls-batch-verify", FallbackReason.MISMATCH)).isPositive();
        }
    }

    @Test
    void aValidatorWithoutAValidProofOfPossessionIsRefusedNamingIt() {
        List<Validator> vs = new ArrayList<>(validators.validators());
        vs.set(1, new Validator(vs.get(1).publicKey(), 1, vs.get(0).proofOfPossession()));
        try (Accelerator a = AccelTestSupport.cpuOnly()) {
            assertThatThrownBy(() -> new AcceleratedBls(a).forValidators(new ValidatorSet(1, vs)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("validator 1: proof of possession does not verify");
        }
    }

    @Test
    void aBadValidatorKeyIsRefusedNamingTheValidator() {
        List<Validator> vs = new ArrayList<>(validators.validators());
        byte[] bad = vs.get(2).publicKey().clone();
        bad[0] ^= 0x20; // flips the sign bit: another point or none, never the key
        bad[47] ^= 1;
        vs.set(2, new Validator(bad, 1, vs.get(2).proofOfPossession()));
        try (Accelerator a = AccelTestSupport.cpuOnly()) {
            assertThatThrownBy(() -> new AcceleratedBls(a).forValidators(new ValidatorSet(1, vs)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("validator 2");
        }
    }
}
