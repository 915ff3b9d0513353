package io.backplane.node.mempool;

import static io.backplane.node.tx.TxFixtures.CHAIN;
import static io.backplane.node.tx.TxFixtures.key;
import static io.backplane.node.tx.TxFixtures.pk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.Accelerator;
import io.backplane.node.consensus.crypto.AccelTestSupport;
import io.backplane.node.tx.Op;
import io.backplane.node.tx.Payload;
import io.backplane.node.tx.Transaction;
import io.backplane.node.tx.TxFixtures;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The mempool over the CPU accelerator; the same checks on the OpenCL device are {@link MempoolIT}. */
class MempoolTest {
    private static final Ed25519PrivateKeyParameters ALICE = key(1);
    private static final Ed25519PrivateKeyParameters BOB = key(2);
    private static final Ed25519PrivateKeyParameters CAROL = key(3);
    private static final Ed25519PrivateKeyParameters DAVE = key(4);
    private static Accelerator accel;

    /** The committed next nonces, as the ledger would answer them. */
    private final Map<ByteBuffer, Long> committedNonce = new ConcurrentHashMap<>();

    @BeforeAll
    static void open() {
        accel = AccelTestSupport.cpuOnly();
    }

    @AfterAll
    static void close() {
        accel.close();
    }

    private Mempool pool(MempoolLimits limits) {
        return new Mempool(CHAIN, limits, accel, pk -> committedNonce.getOrDefault(ByteBuffer.wrap(pk), 0L));
    }

    private Mempool pool() {
        return pool(MempoolLimits.defaults());
    }

    private void setNonce(Ed25519PrivateKeyParameters who, long next) {
        committedNonce.put(ByteBuffer.wrap(pk(who)), next);
    }

    static Transaction tx(Ed25519PrivateKeyParameters from, long nonce) {
        return TxFixtures.transfer(from, nonce, DAVE, 1 + nonce);
    }

    private static SubmitResult one(Mempool m, Transaction tx) {
        return one(m, tx.encode());
    }

    private static SubmitResult one(Mempool m, byte[] bytes) {
        List<SubmitResult> r = m.submit(List.of(bytes));
        assertThat(r).hasSize(1);
        return r.get(0);
    }

    static String token(SubmitResult r) {
        assertThat(r).isInstanceOf(SubmitResult.Rejected.class);
        return ((SubmitResult.Rejected) r).token();
    }

    @Test
    void acceptsAValidTransactionAndCountsIt() {
        Mempool m = pool();
        Transaction t = tx(ALICE, 0);
        SubmitResult r = one(m, t);
        assertThat(r).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(((SubmitResult.Accepted) r).hash()).isEqualTo(t.hash());
        assertThat(m.pending(t.hash())).isTrue();
        assertThat(m.size()).isEqualTo(1);
        assertThat(m.bytes()).isEqualTo(t.encode().length);
        assertThat(m.counters()).containsEntry("accepted", 1L);
    }

    @Test
    void rejectsABadSignatureWrongChainAndMalformedBytesInOneBatch() {
        Mempool m = pool();
        byte[] forged = tx(ALICE, 0).encode();
        forged[forged.length - 1] ^= 1;
        byte[] otherChain = Transaction.sign("other-chain", ALICE, 0, new Op.Transfer(pk(DAVE), 1)).encode();
        byte[] garbage = {1, 2, 3};
        Transaction good = tx(BOB, 0);
        List<SubmitResult> r = m.submit(List.of(forged, otherChain, garbage, good.encode()));
        assertThat(token(r.get(0))).isEqualTo("bad-signature");
        assertThat(token(r.get(1))).isEqualTo("wrong-chain");
        assertThat(((SubmitResult.Rejected) r.get(1)).reason()).contains("other-chain");
        assertThat(token(r.get(2))).isEqualTo("malformed");
        assertThat(((SubmitResult.Rejected) r.get(2)).reason()).contains("offset");
        assertThat(r.get(3)).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(m.size()).isEqualTo(1);
        assertThat(m.counters()).containsEntry("rejected.bad-signature", 1L).containsEntry("rejected.wrong-chain", 1L)
                .containsEntry("rejected.malformed", 1L).containsEntry("accepted", 1L);
    }

    @Test
    void rejectsAStaleNonceAndAcceptsTheCommittedNextOne() {
        Mempool m = pool();
        setNonce(ALICE, 5);
        assertThat(token(one(m, tx(ALICE, 4)))).isEqualTo("stale-nonce");
        assertThat(one(m, tx(ALICE, 5))).isInstanceOf(SubmitResult.Accepted.class);
    }

    @Test
    void rejectsDuplicatesWithinAndAcrossCallsAndATakenNonce() {
        Mempool m = pool();
        byte[] t = tx(ALICE, 0).encode();
        List<SubmitResult> r = m.submit(List.of(t, t));
        assertThat(r.get(0)).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(token(r.get(1))).isEqualTo("duplicate");
        assertThat(token(one(m, t))).isEqualTo("duplicate");
        assertThat(token(one(m, TxFixtures.put(ALICE, 0, "k", "v")))).isEqualTo("nonce-taken");
        assertThat(m.size()).isEqualTo(1);
    }

    @Test
    void verifiesEachPendingTransactionOnceHoweverOftenItIsResubmitted() {
        try (Accelerator counted = AccelTestSupport.cpuOnly()) {
            Mempool m = new Mempool(CHAIN, MempoolLimits.defaults(), counted, pk -> 0L);
            byte[] t = tx(ALICE, 0).encode();
            assertThat(one(m, t)).isInstanceOf(SubmitResult.Accepted.class);
            assertThat(m.submit(List.of(t, t, t))).allMatch(r -> r instanceof SubmitResult.Rejected rj
                    && rj.token().equals("duplicate"));
            assertThat(counted.metrics().items("ed25519-verify", "cpu")).isEqualTo(1);
            assertThat(counted.metrics().calls("ed25519-verify", "cpu")).isEqualTo(1);
        }
    }

    @Test
    void aNullEntryIsMalformedAndTheCallersArrayIsCopied() {
        Mempool m = pool();
        byte[] t = tx(ALICE, 0).encode();
        List<byte[]> batch = new ArrayList<>();
        batch.add(null);
        batch.add(t);
        List<SubmitResult> r = m.submit(batch);
        assertThat(token(r.get(0))).isEqualTo("malformed");
        t[t.length - 1] ^= 1; // the caller reuses its buffer: what is pending must not change
        assertThat(Payload.decode(m.nextPayload(1))).containsExactly(tx(ALICE, 0));
    }

    @Test
    void rejectsANonceTooFarAheadOfTheCommittedOne() {
        Mempool m = pool(new MempoolLimits(100, 1 << 20, 4, 100, 1 << 20));
        setNonce(ALICE, 10);
        assertThat(token(one(m, tx(ALICE, 15)))).isEqualTo("nonce-too-far");
        assertThat(one(m, tx(ALICE, 14))).isInstanceOf(SubmitResult.Accepted.class);
    }

    @Test
    void answersBusyWhenFullByCount() {
        Mempool m = pool(new MempoolLimits(3, 1 << 20, 10, 100, 1 << 20));
        assertThat(m.submit(List.of(tx(ALICE, 0).encode(), tx(BOB, 0).encode(), tx(CAROL, 0).encode())))
                .allMatch(r -> r instanceof SubmitResult.Accepted);
        SubmitResult r = one(m, tx(DAVE, 0));
        assertThat(r).isEqualTo(new SubmitResult.Busy(Mempool.RETRY_AFTER_MS));
        assertThat(m.size()).isEqualTo(3);
        assertThat(m.counters()).containsEntry("busy", 1L).containsEntry("busy.count", 1L);
    }

    @Test
    void answersBusyWhenFullByBytes() {
        int len = tx(ALICE, 0).encode().length;
        Mempool m = pool(new MempoolLimits(100, 2L * len + len / 2, 10, 100, 1 << 20));
        assertThat(one(m, tx(ALICE, 0))).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(one(m, tx(BOB, 0))).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(one(m, tx(CAROL, 0))).isInstanceOf(SubmitResult.Busy.class);
        assertThat(m.bytes()).isEqualTo(2L * len);
        assertThat(m.counters()).containsEntry("busy.bytes", 1L);

        Mempool exact = pool(new MempoolLimits(100, 2L * len, 10, 100, 1 << 20));
        assertThat(one(exact, tx(ALICE, 0))).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(one(exact, tx(BOB, 0))).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(one(exact, tx(CAROL, 0))).isInstanceOf(SubmitResult.Busy.class);
    }

    @Test
    void refusesLimitsThatAreNotPositiveOrExceedThePayloadCap() {
        assertThatThrownBy(() -> new MempoolLimits(0, 1, 1, 1, 1)).hasMessageContaining("maxCount");
        assertThatThrownBy(() -> new MempoolLimits(1, 0, 1, 1, 1)).hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> new MempoolLimits(1, 1, 0, 1, 1)).hasMessageContaining("maxPerSender");
        assertThatThrownBy(() -> new MempoolLimits(1, 1, 1, 0, 1)).hasMessageContaining("maxBlockTx");
        assertThatThrownBy(() -> new MempoolLimits(1, 1, 1, 1, 0)).hasMessageContaining("maxBlockBytes");
        assertThatThrownBy(() -> new MempoolLimits(1, 1, 1, Payload.MAX_TXS + 1, 1)).hasMessageContaining("payload limit");
        assertThat(new MempoolLimits(1, 1, 1, Payload.MAX_TXS, 1).maxBlockTx()).isEqualTo(Payload.MAX_TXS);
        assertThatThrownBy(() -> new Mempool(CHAIN, MempoolLimits.defaults(), accel, pk -> 0L, 0))
                .hasMessageContaining("ttlBlocks");
        assertThat(new Mempool(CHAIN, MempoolLimits.defaults(), accel, pk -> 0L, 1).size()).isZero();
    }

    @Test
    void answersBusyForOneSendersFullShareWhileAnotherSenderStillGetsIn() {
        Mempool m = pool(new MempoolLimits(100, 1 << 20, 2, 100, 1 << 20));
        assertThat(one(m, tx(ALICE, 0))).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(one(m, tx(ALICE, 1))).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(one(m, tx(ALICE, 2))).isInstanceOf(SubmitResult.Busy.class);
        assertThat(one(m, tx(BOB, 0))).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(m.counters()).containsEntry("busy.sender", 1L);
    }

    @Test
    void proposesOnlyGapFreeRunsInNonceOrderAndRemovesNothing() {
        Mempool m = pool();
        setNonce(ALICE, 3);
        // Alice: 3, 4, 5 then a gap (6 missing) then 7; Bob: only nonce 1 while his next is 0.
        m.submit(List.of(tx(ALICE, 5).encode(), tx(ALICE, 3).encode(), tx(ALICE, 7).encode(), tx(ALICE, 4).encode(),
                tx(BOB, 1).encode()));
        assertThat(m.size()).isEqualTo(5);
        byte[] payload = m.nextPayload(1);
        assertThat(Payload.decode(payload)).containsExactly(tx(ALICE, 3), tx(ALICE, 4), tx(ALICE, 5));
        assertThat(m.size()).isEqualTo(5);
        assertThat(m.nextPayload(2)).isEqualTo(payload);
        // The gap filled: the run extends to 7; Bob's 0 arrives: his 0 and 1 come too.
        m.submit(List.of(tx(ALICE, 6).encode(), tx(BOB, 0).encode()));
        assertThat(Payload.decode(m.nextPayload(3))).containsExactlyInAnyOrder(tx(ALICE, 3), tx(ALICE, 4), tx(ALICE, 5),
                tx(ALICE, 6), tx(ALICE, 7), tx(BOB, 0), tx(BOB, 1));
    }

    @Test
    void takesSendersInTurnsWithinTheBlockLimits() {
        Mempool m = pool(new MempoolLimits(100, 1 << 20, 10, 3, 1 << 20));
        m.submit(List.of(tx(ALICE, 0).encode(), tx(ALICE, 1).encode(), tx(ALICE, 2).encode(), tx(BOB, 0).encode(),
                tx(BOB, 1).encode()));
        assertThat(Payload.decode(m.nextPayload(1))).containsExactly(tx(ALICE, 0), tx(BOB, 0), tx(ALICE, 1));

        int len = tx(ALICE, 0).encode().length;
        int oneByteShortOfThree = (int) Payload.encodedSize(3, 3L * len) - 1;
        Mempool small = pool(new MempoolLimits(100, 1 << 20, 10, 100, oneByteShortOfThree));
        small.submit(List.of(tx(ALICE, 0).encode(), tx(ALICE, 1).encode(), tx(ALICE, 2).encode()));
        byte[] p = small.nextPayload(1);
        assertThat(p.length).isLessThanOrEqualTo(oneByteShortOfThree);
        assertThat(Payload.decode(p)).containsExactly(tx(ALICE, 0), tx(ALICE, 1));
        Mempool fits = pool(new MempoolLimits(100, 1 << 20, 10, 100, oneByteShortOfThree + 1));
        fits.submit(List.of(tx(ALICE, 0).encode(), tx(ALICE, 1).encode(), tx(ALICE, 2).encode()));
        assertThat(Payload.decode(fits.nextPayload(1))).hasSize(3);
    }

    @Test
    void committedRemovesTheBlocksTransactionsAndDropsStaleOnes() {
        Mempool m = pool();
        List<Transaction> alice = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            alice.add(tx(ALICE, n));
        }
        m.submit(alice.stream().map(Transaction::encode).toList());
        m.submit(List.of(tx(BOB, 0).encode()));
        setNonce(ALICE, 1);
        m.committed(List.of(alice.get(0)));
        assertThat(m.pending(alice.get(0).hash())).isFalse();
        assertThat(m.size()).isEqualTo(4);
        // Another node's transactions with Alice's nonces 1 and 2 committed: her pending 1 and 2 can never apply.
        Transaction other1 = TxFixtures.put(ALICE, 1, "x", "y");
        Transaction other2 = TxFixtures.put(ALICE, 2, "x", "z");
        setNonce(ALICE, 3);
        m.committed(List.of(other1, other2));
        assertThat(m.pending(alice.get(1).hash())).isFalse();
        assertThat(m.pending(alice.get(2).hash())).isFalse();
        assertThat(m.pending(alice.get(3).hash())).isTrue();
        assertThat(m.size()).isEqualTo(2);
        assertThat(m.bytes()).isEqualTo(alice.get(3).encode().length + tx(BOB, 0).encode().length);
        assertThat(m.counters()).containsEntry("committed", 1L).containsEntry("dropped.stale", 2L);
        assertThat(Payload.decode(m.nextPayload(9))).containsExactlyInAnyOrder(alice.get(3), tx(BOB, 0));
    }

    @Test
    void expiresTransactionsStuckBehindAGapAfterTheirTtlInBlocks() {
        Mempool m = new Mempool(CHAIN, MempoolLimits.defaults(), accel,
                pk -> committedNonce.getOrDefault(ByteBuffer.wrap(pk), 0L), 3);
        Transaction stuck = tx(ALICE, 1); // nonce 0 never comes
        m.submit(List.of(stuck.encode()));
        m.committed(List.of());
        Transaction younger = tx(BOB, 1);
        m.submit(List.of(younger.encode()));
        m.committed(List.of());
        assertThat(m.pending(stuck.hash())).isTrue();
        m.committed(List.of());
        assertThat(m.pending(stuck.hash())).isFalse();
        assertThat(m.pending(younger.hash())).isTrue();
        assertThat(m.bytes()).isEqualTo(younger.encode().length);
        m.committedPayload(new byte[] {9, 9}); // undecodable: still a committed block, so the clock ticks
        assertThat(m.size()).isZero();
        assertThat(m.counters()).containsEntry("expired", 2L);
        assertThat(one(m, stuck)).isInstanceOf(SubmitResult.Accepted.class);
    }

    @Test
    void staysConsistentUnderConcurrentSubmitProposeAndCommit() throws Exception {
        Mempool m = pool(new MempoolLimits(10_000, 64L << 20, 64, 50, 1 << 20));
        int senders = 4;
        int perSender = 40;
        List<List<byte[]>> work = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            List<byte[]> txs = new ArrayList<>();
            for (int n = 0; n < perSender; n++) {
                txs.add(tx(key(100 + s), n).encode());
            }
            work.add(txs);
        }
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(senders);
        try {
            List<java.util.concurrent.Future<List<SubmitResult>>> answers = new ArrayList<>();
            for (List<byte[]> w : work) {
                answers.add(clients.submit(() -> {
                    List<SubmitResult> all = new ArrayList<>();
                    for (byte[] t : w) {
                        all.addAll(m.submit(List.of(t)));
                    }
                    return all;
                }));
            }
            // Meanwhile this thread proposes and commits, as the consensus and executor threads would.
            int committed = 0;
            while (committed < senders * perSender) {
                List<Transaction> block = Payload.decode(m.nextPayload(committed));
                for (Transaction t : block) {
                    committedNonce.merge(ByteBuffer.wrap(t.sender()), t.nonce() + 1, Math::max);
                }
                m.committed(block);
                committed += block.size();
                if (block.isEmpty()) {
                    if (answers.stream().allMatch(java.util.concurrent.Future::isDone)
                            && Payload.decode(m.nextPayload(committed)).isEmpty()) {
                        break; // nothing more can come: the assertions below say what went wrong
                    }
                    Thread.onSpinWait();
                }
            }
            for (java.util.concurrent.Future<List<SubmitResult>> f : answers) {
                assertThat(f.get()).allMatch(r -> r instanceof SubmitResult.Accepted);
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(m.size()).isZero();
        assertThat(m.bytes()).isZero();
        assertThat(m.counters()).containsEntry("accepted", (long) senders * perSender)
                .containsEntry("committed", (long) senders * perSender);
    }
}
