package io.backplane.node.app;

import static io.backplane.node.tx.TxFixtures.CHAIN;
import static io.backplane.node.tx.TxFixtures.key;
import static io.backplane.node.tx.TxFixtures.pk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.Accelerator;
import io.backplane.node.consensus.crypto.AccelTestSupport;
import io.backplane.node.ledger.InMemoryLedgerStore;
import io.backplane.node.ledger.LedgerStore;
import io.backplane.node.ledger.SparseMerkleTree;
import io.backplane.node.ledger.StateProof;
import io.backplane.node.mempool.Mempool;
import io.backplane.node.mempool.MempoolLimits;
import io.backplane.node.mempool.SubmitResult;
import io.backplane.node.tx.Op;
import io.backplane.node.tx.Payload;
import io.backplane.node.tx.Transaction;
import io.backplane.node.tx.TxFixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LedgerAppTest {
    private static final Ed25519PrivateKeyParameters ALICE = key(1);
    private static final Ed25519PrivateKeyParameters BOB = key(2);
    private static final Ed25519PrivateKeyParameters CAROL = key(3);
    private static Accelerator accel;

    @BeforeAll
    static void open() {
        accel = AccelTestSupport.cpuOnly();
    }

    @AfterAll
    static void close() {
        accel.close();
    }

    private static LedgerApp fresh(LedgerStore store) {
        LedgerApp app = new LedgerApp(CHAIN, store, accel);
        Map<byte[], Long> genesis = new LinkedHashMap<>();
        genesis.put(pk(ALICE), 1_000L);
        genesis.put(pk(BOB), 50L);
        app.initGenesis(genesis);
        return app;
    }

    private static LedgerApp fresh() {
        return fresh(new InMemoryLedgerStore());
    }

    private static BlockResult run(LedgerApp app, Transaction... txs) {
        return app.execute(app.executedHeight() + 1, Payload.encode(List.of(txs)));
    }

    private static List<String> reasons(BlockResult r) {
        return r.outcomes().stream().map(o -> o.reason() == null ? "applied" : o.reason()).toList();
    }

    @Test
    void genesisSetsBalancesAtHeightZeroOnlyOnAFreshLedger() {
        InMemoryLedgerStore store = new InMemoryLedgerStore();
        LedgerApp app = fresh(store);
        assertThat(app.balance(pk(ALICE))).isEqualTo(1_000);
        assertThat(app.balance(pk(CAROL))).isZero();
        assertThat(app.executedHeight()).isZero();
        assertThat(store.stateRootAt(0)).hasValueSatisfying(r -> assertThat(r).isEqualTo(app.stateRoot()));
        assertThatThrownBy(() -> app.initGenesis(Map.of(pk(CAROL), 1L))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not fresh");
        assertThatThrownBy(() -> new LedgerApp(CHAIN, new InMemoryLedgerStore(), accel)
                .initGenesis(Map.of(new byte[31], 1L))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LedgerApp(CHAIN, new InMemoryLedgerStore(), accel)
                .initGenesis(Map.of(pk(CAROL), -1L))).hasMessageContaining("negative balance");
        LedgerApp zero = new LedgerApp(CHAIN, new InMemoryLedgerStore(), accel);
        zero.initGenesis(Map.of(pk(CAROL), 0L));
        assertThat(zero.stateRoot()).isNotEqualTo(SparseMerkleTree.emptyRoot());
    }

    @Test
    void transfersMoveBalancesAndBumpTheSendersNonce() {
        InMemoryLedgerStore store = new InMemoryLedgerStore();
        LedgerApp app = fresh(store);
        Transaction t = TxFixtures.transfer(ALICE, 0, CAROL, 300);
        BlockResult r = run(app, t);
        assertThat(reasons(r)).containsExactly("applied");
        assertThat(r.height()).isEqualTo(1);
        assertThat(r.stateRoot()).isEqualTo(app.stateRoot());
        assertThat(app.balance(pk(ALICE))).isEqualTo(700);
        assertThat(app.balance(pk(CAROL))).isEqualTo(300);
        assertThat(app.nextNonce(pk(ALICE))).isEqualTo(1);
        assertThat(app.nextNonce(pk(CAROL))).isZero();
        assertThat(store.executedHeight()).isEqualTo(1);
        assertThat(store.txHeight(t.hash())).hasValue(1);
        assertThat(store.stateRootAt(1)).hasValueSatisfying(root -> assertThat(root).isEqualTo(r.stateRoot()));
        // The account entry's golden bytes: u64 balance 700 (0x2bc), u64 nonce 1.
        assertThat(java.util.HexFormat.of().formatHex(app.read(LedgerApp.accountKey(pk(ALICE))).value()))
                .isEqualTo("00000000000002bc" + "0000000000000001");
    }

    @Test
    void aDecodedPayloadExecutesAsItsBytesAndAProvenReadVerifiesAgainstTheRootItNames() throws Exception {
        List<Transaction> txs = List.of(TxFixtures.transfer(ALICE, 0, CAROL, 5), TxFixtures.put(BOB, 0, "k", "v"));
        LedgerApp fromBytes = fresh();
        LedgerApp fromList = fresh();
        BlockResult a = fromBytes.execute(1, Payload.encode(txs));
        BlockResult b = fromList.execute(1, txs, h -> false);
        assertThat(b.stateRoot()).isEqualTo(a.stateRoot());
        assertThat(reasons(b)).isEqualTo(reasons(a)).containsExactly("applied", "applied");
        byte[] key = LedgerApp.kvKey(pk(BOB), "k".getBytes());
        LedgerApp.ProvenRead r = fromList.provenRead(key);
        assertThat(r.height()).isEqualTo(1);
        assertThat(r.stateRoot()).isEqualTo(b.stateRoot());
        assertThat(StateProof.verify(r.stateRoot(), key, r.proven().value(), r.proven().proof())).isTrue();
        assertThat(fromList.accountState(pk(ALICE))).isEqualTo(new LedgerApp.AccountState(995, 1, 1));
    }

    @Test
    void onlyTheTransactionsTheCallerVerifiedBeforeSkipTheSignatureCheck() {
        Transaction good = TxFixtures.transfer(ALICE, 0, CAROL, 5);
        Transaction forged = new Transaction(CHAIN, pk(BOB), 0, new Op.Transfer(pk(CAROL), 50), good.signature());
        LedgerApp app = fresh();
        byte[] payload = Payload.encode(List.of(forged, good));
        java.util.Set<String> seen = new java.util.HashSet<>();
        BlockResult r = app.execute(1, payload, h -> {
            seen.add(java.util.HexFormat.of().formatHex(h));
            return java.util.Arrays.equals(h, good.hash());
        });
        assertThat(reasons(r)).containsExactly("bad-signature", "applied");
        assertThat(seen).hasSize(2);
        // what the caller vouches for is taken as verified: the node's mempool only vouches for what it verified
        LedgerApp other = fresh();
        BlockResult trusted = other.execute(1, payload, h -> true);
        assertThat(reasons(trusted)).containsExactly("applied", "applied");
    }

    @Test
    void readsFromOtherThreadsSeeCommittedState() throws Exception {
        LedgerApp app = fresh();
        run(app, TxFixtures.transfer(ALICE, 0, CAROL, 5));
        java.util.concurrent.CompletableFuture<Long> read = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> app.balance(pk(CAROL)) + app.nextNonce(pk(ALICE)) + app.stateRoot().length + app.executedHeight()
                        + (app.read(LedgerApp.accountKey(pk(CAROL))).value() == null ? 0 : 1));
        assertThat(read.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(5 + 1 + 32 + 1 + 1);
    }

    @Test
    void skipsOverdraftZeroAmountBadNonceWrongChainAndBadSignatureButAppliesTheRest() {
        InMemoryLedgerStore store = new InMemoryLedgerStore();
        LedgerApp app = fresh(store);
        byte[] before = app.stateRoot();
        Transaction overdraft = TxFixtures.transfer(BOB, 0, CAROL, 51);
        Transaction zero = TxFixtures.transfer(BOB, 1, CAROL, 0); // the failed overdraft used nonce 0
        Transaction ahead = TxFixtures.transfer(ALICE, 1, CAROL, 1);
        Transaction otherChain = Transaction.sign("other", ALICE, 0, new Op.Transfer(pk(CAROL), 1));
        Transaction good = TxFixtures.transfer(ALICE, 0, CAROL, 10);
        Transaction forged = new Transaction(CHAIN, pk(BOB), 2, new Op.Transfer(pk(CAROL), 50), good.signature());
        Transaction thenNext = TxFixtures.transfer(ALICE, 1, CAROL, 5);
        BlockResult r = run(app, overdraft, zero, ahead, otherChain, forged, good, thenNext);
        assertThat(reasons(r)).satisfiesExactly(
                x -> assertThat(x).startsWith(LedgerApp.FAILED_PREFIX + "insufficient-balance"),
                x -> assertThat(x).isEqualTo(LedgerApp.FAILED_PREFIX + "zero-amount"),
                x -> assertThat(x).isEqualTo("bad-nonce: expected 0, got 1"),
                x -> assertThat(x).startsWith("wrong-chain"),
                x -> assertThat(x).isEqualTo("bad-signature"),
                x -> assertThat(x).isEqualTo("applied"),
                x -> assertThat(x).isEqualTo("applied"));
        assertThat(r.appliedCount()).isEqualTo(2);
        assertThat(app.balance(pk(BOB))).isEqualTo(50);
        assertThat(app.nextNonce(pk(BOB))).as("the two failed transfers used their nonces: they cannot be replayed").isEqualTo(2);
        assertThat(app.balance(pk(ALICE))).isEqualTo(985);
        assertThat(app.balance(pk(CAROL))).isEqualTo(15);
        assertThat(app.stateRoot()).isNotEqualTo(before);
        assertThat(store.txHeight(overdraft.hash())).as("a failed transfer is committed (its nonce used)").hasValue(1);
        BlockResult replay = run(app, overdraft);
        assertThat(reasons(replay)).containsExactly("bad-nonce: expected 2, got 0");
        assertThat(store.txHeight(forged.hash())).isEmpty();
        assertThat(store.txHeight(thenNext.hash())).hasValue(1);
    }

    @Test
    void refusesARecipientOverflowAndTreatsASelfTransferAsANonceBumpOnly() {
        LedgerApp app = new LedgerApp(CHAIN, new InMemoryLedgerStore(), accel);
        app.initGenesis(Map.of(pk(ALICE), 10L, pk(BOB), Long.MAX_VALUE));
        BlockResult r = run(app, TxFixtures.transfer(ALICE, 0, BOB, 1), TxFixtures.transfer(ALICE, 0, ALICE, 10));
        BlockResult r2 = run(app, TxFixtures.transfer(ALICE, 1, ALICE, 10));
        assertThat(reasons(r)).satisfiesExactly(x -> assertThat(x).startsWith(LedgerApp.FAILED_PREFIX + "overflow"),
                x -> assertThat(x).startsWith("bad-nonce"));
        assertThat(reasons(r2)).containsExactly("applied");
        assertThat(app.balance(pk(ALICE))).isEqualTo(10);
        assertThat(app.balance(pk(BOB))).isEqualTo(Long.MAX_VALUE);
        assertThat(app.nextNonce(pk(ALICE))).isEqualTo(2);
    }

    @Test
    void neverAppliesAReplayedTransactionTwice() {
        LedgerApp app = fresh();
        Transaction t = TxFixtures.transfer(ALICE, 0, CAROL, 100);
        assertThat(reasons(run(app, t, t))).containsExactly("applied", "bad-nonce: expected 1, got 0");
        byte[] root = app.stateRoot();
        assertThat(reasons(run(app, t))).containsExactly("bad-nonce: expected 1, got 0");
        assertThat(app.balance(pk(CAROL))).isEqualTo(100);
        assertThat(app.balance(pk(ALICE))).isEqualTo(900);
        assertThat(app.stateRoot()).isEqualTo(root);
    }

    @Test
    void putsAndDeletesStayInTheSendersOwnNamespace() {
        LedgerApp app = fresh();
        BlockResult r = run(app, TxFixtures.put(ALICE, 0, "k", "alice"), TxFixtures.put(BOB, 0, "k", "bob"));
        assertThat(reasons(r)).containsExactly("applied", "applied");
        assertThat(app.read(LedgerApp.kvKey(pk(ALICE), "k".getBytes())).value()).isEqualTo("alice".getBytes());
        assertThat(app.read(LedgerApp.kvKey(pk(BOB), "k".getBytes())).value()).isEqualTo("bob".getBytes());
        run(app, Transaction.sign(CHAIN, BOB, 1, new Op.Delete("k".getBytes())));
        assertThat(app.read(LedgerApp.kvKey(pk(BOB), "k".getBytes())).value()).isNull();
        assertThat(app.read(LedgerApp.kvKey(pk(ALICE), "k".getBytes())).value()).isEqualTo("alice".getBytes());
        assertThat(app.nextNonce(pk(BOB))).isEqualTo(2);
        assertThat(app.balance(pk(BOB))).isEqualTo(50);
        byte[] kv = new byte[3 + 32 + 1];
        System.arraycopy("kv/".getBytes(), 0, kv, 0, 3);
        System.arraycopy(pk(ALICE), 0, kv, 3, 32);
        kv[35] = 'k';
        assertThat(LedgerApp.kvKey(pk(ALICE), "k".getBytes())).isEqualTo(kv);
        byte[] acct = new byte[5 + 32];
        System.arraycopy("acct/".getBytes(), 0, acct, 0, 5);
        System.arraycopy(pk(ALICE), 0, acct, 5, 32);
        assertThat(LedgerApp.accountKey(pk(ALICE))).isEqualTo(acct);
    }

    @Test
    void sameBlocksGiveTheSameRootOnEveryNodeAndADifferentBlockDoesNot() {
        LedgerApp a = fresh();
        LedgerApp b = fresh();
        LedgerApp c = fresh();
        List<Ed25519PrivateKeyParameters> keys = List.of(ALICE, BOB, CAROL);
        long[] nonces = new long[3];
        Random rnd = new Random(42);
        for (int height = 1; height <= 12; height++) {
            List<Transaction> block = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int s = rnd.nextInt(3);
                long nonce = rnd.nextInt(8) == 0 ? nonces[s] + 1 : nonces[s]; // some bad nonces
                Op op = switch (rnd.nextInt(3)) {
                    case 0 -> new Op.Transfer(pk(keys.get(rnd.nextInt(3))), rnd.nextInt(200));
                    case 1 -> new Op.Put(("k" + rnd.nextInt(4)).getBytes(), ("v" + rnd.nextInt()).getBytes());
                    default -> new Op.Delete(("k" + rnd.nextInt(4)).getBytes());
                };
                Transaction tx = Transaction.sign(CHAIN, keys.get(s), nonce, op);
                block.add(tx);
                if (nonce == nonces[s]) {
                    nonces[s]++; // a guess: an overdraft leaves it, and the apps must agree on that too
                }
            }
            byte[] payload = Payload.encode(block);
            BlockResult ra = a.execute(height, payload);
            BlockResult rb = b.execute(height, payload);
            assertThat(rb.stateRoot()).isEqualTo(ra.stateRoot());
            assertThat(reasons(rb)).isEqualTo(reasons(ra));
            if (height < 12) {
                c.execute(height, payload);
            } else {
                c.execute(height, Payload.encode(block.subList(0, block.size() - 1).reversed()));
                assertThat(c.stateRoot()).isNotEqualTo(a.stateRoot());
            }
            // Resync the guessed nonces with the truth, so later blocks keep applying.
            for (int s = 0; s < 3; s++) {
                nonces[s] = a.nextNonce(pk(keys.get(s)));
            }
        }
        assertThat(a.stateRoot()).isEqualTo(b.stateRoot());
        assertThat(a.executedHeight()).isEqualTo(12);
    }

    @Test
    void proofsFromReadVerifyAgainstTheStateRootAndFailWhenTampered() throws Exception {
        LedgerApp app = fresh();
        run(app, TxFixtures.transfer(ALICE, 0, CAROL, 7), TxFixtures.put(ALICE, 1, "k", "v"));
        byte[] root = app.stateRoot();
        byte[] acct = LedgerApp.accountKey(pk(CAROL));
        SparseMerkleTree.Proven p = app.read(acct);
        assertThat(p.value()).isEqualTo(new Account(7, 0).encode());
        assertThat(StateProof.verify(root, acct, p.value(), p.proof())).isTrue();

        byte[] wrongValue = new Account(8, 0).encode();
        assertThat(StateProof.verify(root, acct, wrongValue, p.proof())).isFalse();
        assertThat(StateProof.verify(root, LedgerApp.accountKey(pk(BOB)), p.value(), p.proof())).isFalse();
        byte[] wrongRoot = root.clone();
        wrongRoot[0] ^= 1;
        assertThat(StateProof.verify(wrongRoot, acct, p.value(), p.proof())).isFalse();
        byte[] enc = p.proof().encode();
        for (int i = 0; i < enc.length; i++) { // every byte of the proof
            byte[] t = enc.clone();
            t[i] ^= 0x40;
            try {
                assertThat(StateProof.verify(root, acct, p.value(), StateProof.decode(t))).isFalse();
            } catch (StateProof.MalformedProofException e) {
                // refused outright: fine too
            }
        }

        byte[] absent = LedgerApp.kvKey(pk(BOB), "nothing".getBytes());
        SparseMerkleTree.Proven none = app.read(absent);
        assertThat(none.value()).isNull();
        assertThat(StateProof.verify(root, absent, null, none.proof())).isTrue();
        assertThat(StateProof.verify(root, absent, "v".getBytes(), none.proof())).isFalse();
        byte[] kv = LedgerApp.kvKey(pk(ALICE), "k".getBytes());
        assertThat(StateProof.verify(root, kv, "v".getBytes(), app.read(kv).proof())).isTrue();
    }

    @Test
    void anUndecodablePayloadIsAnEmptyBlockWithItsReason() {
        InMemoryLedgerStore store = new InMemoryLedgerStore();
        LedgerApp app = fresh(store);
        byte[] root = app.stateRoot();
        byte[] good = Payload.encode(List.of(TxFixtures.transfer(ALICE, 0, CAROL, 1)));
        byte[] bad = Arrays.copyOf(good, good.length - 1);
        BlockResult r = app.execute(1, bad);
        assertThat(r.outcomes()).isEmpty();
        assertThat(r.payloadError()).startsWith("undecodable payload").contains("remain");
        assertThat(app.stateRoot()).isEqualTo(root);
        assertThat(app.executedHeight()).isEqualTo(1);
        BlockResult empty = app.execute(2, new byte[0]);
        assertThat(empty.outcomes()).isEmpty();
        assertThat(empty.payloadError()).isNull();
        assertThat(store.stateRootAt(2)).hasValueSatisfying(x -> assertThat(x).isEqualTo(root));
    }

    @Test
    void executesOnlyTheNextHeight() {
        LedgerApp app = fresh();
        byte[] p = Payload.encode(List.of());
        assertThatThrownBy(() -> app.execute(2, p)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("height 2");
        app.execute(1, p);
        assertThatThrownBy(() -> app.execute(1, p)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> app.initGenesis(Map.of())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void mempoolProposesWhatTheLedgerAppliesAndForgetsItAfterCommit() {
        LedgerApp app = fresh();
        Mempool pool = new Mempool(CHAIN, MempoolLimits.defaults(), accel, app::nextNonce);
        List<Transaction> txs = List.of(TxFixtures.transfer(ALICE, 0, CAROL, 1), TxFixtures.transfer(ALICE, 1, CAROL, 2),
                TxFixtures.put(BOB, 0, "k", "v"));
        assertThat(pool.submit(txs.stream().map(Transaction::encode).toList())).allMatch(r -> r instanceof SubmitResult.Accepted);
        byte[] payload = pool.nextPayload(1);
        BlockResult r = app.execute(1, payload);
        assertThat(r.appliedCount()).isEqualTo(3);
        pool.committedPayload(payload);
        assertThat(pool.size()).isZero();
        assertThat(pool.counters()).containsEntry("committed", 3L);
        assertThat(pool.submit(List.of(txs.get(0).encode())).get(0)).isInstanceOf(SubmitResult.Rejected.class)
                .extracting(x -> ((SubmitResult.Rejected) x).token()).isEqualTo("stale-nonce");
    }

    @Test
    void commitsEachBlockOnceWithExactlyItsAppliedTransactions() {
        CountingLedgerStore store = new CountingLedgerStore();
        LedgerApp app = fresh(store);
        Transaction a = TxFixtures.transfer(ALICE, 0, CAROL, 1);
        Transaction bad = TxFixtures.transfer(BOB, 0, CAROL, 500);
        Transaction b = TxFixtures.put(BOB, 0, "k", "v");
        run(app, a, bad, b);
        assertThat(store.commits).hasSize(2); // genesis and block 1
        // the failed transfer is committed too (its nonce used), so b (nonce 0 again) is refused
        assertThat(store.commits.get(1)).containsExactly(java.util.HexFormat.of().formatHex(a.hash()),
                java.util.HexFormat.of().formatHex(bad.hash()));
    }

    /** The in-memory store, recording what each commit named. */
    private static final class CountingLedgerStore implements LedgerStore {
        final InMemoryLedgerStore inner = new InMemoryLedgerStore();
        final List<List<String>> commits = new ArrayList<>();

        @Override
        public byte[] get(byte[] id) {
            return inner.get(id);
        }

        @Override
        public void put(byte[] id, byte[] value) {
            inner.put(id, value);
        }

        @Override
        public void delete(byte[] id) {
            inner.delete(id);
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public long executedHeight() {
            return inner.executedHeight();
        }

        @Override
        public void commit(long height, byte[] stateRoot, List<byte[]> txHashes) {
            commits.add(txHashes.stream().map(java.util.HexFormat.of()::formatHex).toList());
            inner.commit(height, stateRoot, txHashes);
        }

        @Override
        public java.util.Optional<byte[]> stateRootAt(long height) {
            return inner.stateRootAt(height);
        }

        @Override
        public java.util.OptionalLong txHeight(byte[] txHash) {
            return inner.txHeight(txHash);
        }
    }
}
