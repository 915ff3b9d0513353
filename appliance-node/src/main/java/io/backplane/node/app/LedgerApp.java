package io.backplane.node.app;

import io.backplane.accel.Accelerator;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.codec.CodecException;
import io.backplane.node.ledger.LedgerStore;
import io.backplane.node.ledger.SparseMerkleTree;
import io.backplane.node.tx.Op;
import io.backplane.node.tx.Payload;
import io.backplane.node.tx.Transaction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Executes committed blocks against the ledger state (layout in {@link io.backplane.node.app the package doc}).
 *
 * <p>Deterministic: the outcome of a block depends only on the state before it and its payload, so the same committed
 * blocks give the same state root on every node. Per block: the payload is decoded (undecodable: the block is empty
 * and {@link BlockResult#payloadError()} says why), every signature is checked in one accelerator batch, then each
 * transaction in order must have a valid signature, this chain's id, a nonce equal to the sender's next nonce, and
 * pass its op's rule (transfer: 0 &lt; amount &lt;= balance and no overflow at the recipient); the valid ones are
 * applied to an overlay that later transactions of the block read. The overlay goes to the tree in ONE
 * {@link SparseMerkleTree#apply} and the store commits the height, root and applied hashes atomically.
 *
 * <p>Threading: {@link #execute} and {@link #initGenesis} from one executor thread; the reads ({@link #nextNonce},
 * {@link #balance}, {@link #read}, {@link #stateRoot}, {@link #executedHeight}) from any thread, seeing committed
 * state only. Readers wait only while a block's batch is written, never while it is validated.
 */
public final class LedgerApp {
    private static final byte[] ACCOUNT_PREFIX = "acct/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KV_PREFIX = "kv/".getBytes(StandardCharsets.US_ASCII);

    private final String chainId;
    private final LedgerStore store;
    private final Accelerator accel;
    private final SparseMerkleTree tree;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object writer = new Object();

    /**
     * The reason of a transaction that was included and used its nonce but could not take effect (a transfer of zero,
     * over the balance, or overflowing the recipient); other reasons (bad signature, wrong chain or nonce) leave no trace.
     */
    public static final String FAILED_PREFIX = "failed: ";

    public LedgerApp(String chainId, LedgerStore store, Accelerator accel) {
        this.chainId = Objects.requireNonNull(chainId, "chainId");
        this.store = Objects.requireNonNull(store, "store");
        this.accel = Objects.requireNonNull(accel, "accel");
        this.tree = new SparseMerkleTree(store);
    }

    /** {@code "acct/" || pk}: where an account's balance and nonce live. */
    public static byte[] accountKey(byte[] pk) {
        if (pk == null || pk.length != Transaction.PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("an account is a " + Transaction.PUBLIC_KEY_BYTES + "-byte public key, got "
                    + (pk == null ? "null" : pk.length + " bytes"));
        }
        return concat(ACCOUNT_PREFIX, pk, new byte[0]);
    }

    /** {@code "kv/" || owner || key}: where {@code owner}'s value for {@code key} lives. */
    public static byte[] kvKey(byte[] owner, byte[] key) {
        if (owner == null || owner.length != Transaction.PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("an owner is a " + Transaction.PUBLIC_KEY_BYTES + "-byte public key");
        }
        return concat(KV_PREFIX, owner, Objects.requireNonNull(key, "key"));
    }

    /**
     * Sets the genesis balances and commits height 0. Only on a fresh ledger: refused once anything executed or the
     * state holds anything.
     */
    public void initGenesis(Map<byte[], Long> balances) {
        synchronized (writer) {
            if (store.executedHeight() != 0 || !Arrays.equals(tree.root(), SparseMerkleTree.emptyRoot())) {
                throw new IllegalStateException("genesis: the ledger is not fresh (executed height "
                        + store.executedHeight() + ", state root not empty)");
            }
            Map<byte[], byte[]> changes = new HashMap<>();
            Set<ByteBuffer> seen = new HashSet<>();
            for (Map.Entry<byte[], Long> e : balances.entrySet()) {
                byte[] key = accountKey(e.getKey());
                if (!seen.add(ByteBuffer.wrap(key))) {
                    throw new IllegalArgumentException("genesis: an account is listed twice");
                }
                long balance = Objects.requireNonNull(e.getValue(), "balance");
                if (balance < 0) {
                    throw new IllegalArgumentException("genesis: negative balance " + balance);
                }
                changes.put(key, new Account(balance, 0).encode());
            }
            lock.writeLock().lock();
            try {
                byte[] root = tree.apply(changes);
                store.commit(0, root, List.of());
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /** Executes the block at {@code height}, which must be {@link #executedHeight()} + 1. */
    public BlockResult execute(long height, byte[] payload) {
        return execute(height, payload, hash -> false);
    }

    /**
     * As {@link #execute(long, byte[])}, with the signatures of the transactions for which {@code verifiedBefore}
     * (given the hash) answers true taken as checked: the node's mempool, which admits only transactions whose signature
     * it verified, answers for those it holds (the hash covers every byte, the signature included), so a transaction is
     * verified once per node, not twice.
     */
    public BlockResult execute(long height, byte[] payload, java.util.function.Predicate<byte[]> verifiedBefore) {
        try {
            return execute(height, Payload.decode(payload), verifiedBefore, null);
        } catch (CodecException e) {
            return execute(height, List.of(), verifiedBefore, "undecodable payload: " + e.getMessage());
        }
    }

    /** As {@link #execute(long, byte[], java.util.function.Predicate)}, for a payload its caller has decoded already. */
    public BlockResult execute(long height, List<Transaction> txs, java.util.function.Predicate<byte[]> verifiedBefore) {
        return execute(height, txs, verifiedBefore, null);
    }

    private BlockResult execute(long height, List<Transaction> txs, java.util.function.Predicate<byte[]> verifiedBefore, String payloadError) {
        synchronized (writer) {
            long executed = store.executedHeight();
            if (height != executed + 1) {
                throw new IllegalArgumentException("execute: height " + height + " is not the next one (executed "
                        + executed + ")");
            }
            boolean[] signed = verify(txs, verifiedBefore);
            Overlay overlay = new Overlay();
            List<TxOutcome> outcomes = new ArrayList<>(txs.size());
            List<byte[]> applied = new ArrayList<>();
            for (int i = 0; i < txs.size(); i++) {
                Transaction tx = txs.get(i);
                byte[] hash = tx.hash();
                String reason = signed[i] ? apply(tx, overlay) : "bad-signature";
                outcomes.add(new TxOutcome(hash, reason == null, reason));
                if (reason == null || reason.startsWith(FAILED_PREFIX)) {
                    applied.add(hash); // committed (its nonce used), applied or failed: `tx status` finds it
                }
            }
            lock.writeLock().lock();
            try {
                byte[] root = overlay.writes.isEmpty() ? tree.root() : tree.apply(overlay.changes());
                store.commit(height, root, applied);
                return new BlockResult(height, root, outcomes, payloadError);
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    private boolean[] verify(List<Transaction> txs, java.util.function.Predicate<byte[]> verifiedBefore) {
        boolean[] signed = new boolean[txs.size()];
        List<Ed25519Item> items = new ArrayList<>(txs.size());
        List<Integer> at = new ArrayList<>(txs.size());
        for (int i = 0; i < txs.size(); i++) {
            Transaction tx = txs.get(i);
            if (verifiedBefore.test(tx.hash())) {
                signed[i] = true;
            } else {
                items.add(tx.verifyItem());
                at.add(i);
            }
        }
        if (!items.isEmpty()) {
            boolean[] ok = accel.ed25519BatchVerify(items);
            for (int k = 0; k < ok.length; k++) {
                signed[at.get(k)] = ok[k];
            }
        }
        return signed;
    }

    /** Applies {@code tx} to the overlay and returns null, or changes nothing and returns why. */
    private String apply(Transaction tx, Overlay overlay) {
        if (!tx.chainId().equals(chainId)) {
            return "wrong-chain: '" + tx.chainId() + "'";
        }
        byte[] senderKey = accountKey(tx.sender());
        Account sender = Account.decode(overlay.get(senderKey));
        if (tx.nonce() != sender.nonce()) {
            return "bad-nonce: expected " + sender.nonce() + ", got " + tx.nonce();
        }
        switch (tx.op()) {
            case Op.Transfer t -> {
                // A transfer that cannot move its amount still uses its nonce (FAILED_PREFIX): it was validly signed
                // and included, and must not stay replayable for free.
                if (t.amount() == 0) {
                    overlay.put(senderKey, sender.withNextNonce().encode());
                    return FAILED_PREFIX + "zero-amount";
                }
                if (sender.balance() < t.amount()) {
                    overlay.put(senderKey, sender.withNextNonce().encode());
                    return FAILED_PREFIX + "insufficient-balance: has " + sender.balance() + ", needs " + t.amount();
                }
                byte[] toKey = accountKey(t.to());
                if (Arrays.equals(toKey, senderKey)) {
                    overlay.put(senderKey, sender.withNextNonce().encode());
                    return null;
                }
                Account to = Account.decode(overlay.get(toKey));
                long credited = to.balance() + t.amount();
                if (credited < 0) {
                    overlay.put(senderKey, sender.withNextNonce().encode());
                    return FAILED_PREFIX + "overflow: the recipient's balance would reach 2^63";
                }
                overlay.put(senderKey, new Account(sender.balance() - t.amount(), sender.nonce() + 1).encode());
                overlay.put(toKey, new Account(credited, to.nonce()).encode());
            }
            case Op.Put p -> {
                overlay.put(kvKey(tx.sender(), p.key()), p.value());
                overlay.put(senderKey, sender.withNextNonce().encode());
            }
            case Op.Delete d -> {
                overlay.put(kvKey(tx.sender(), d.key()), null);
                overlay.put(senderKey, sender.withNextNonce().encode());
            }
        }
        return null;
    }

    /** A block's pending writes over the committed tree (null value: delete), read by the block's later transactions. */
    private final class Overlay {
        final Map<ByteBuffer, byte[]> writes = new LinkedHashMap<>();

        byte[] get(byte[] key) {
            ByteBuffer k = ByteBuffer.wrap(key);
            return writes.containsKey(k) ? writes.get(k) : tree.value(key);
        }

        void put(byte[] key, byte[] value) {
            writes.put(ByteBuffer.wrap(key), value);
        }

        Map<byte[], byte[]> changes() {
            Map<byte[], byte[]> m = new HashMap<>();
            writes.forEach((k, v) -> m.put(k.array(), v));
            return m;
        }
    }

    /** The committed next nonce of {@code sender} (0 for an account that never sent). */
    public long nextNonce(byte[] sender) {
        return account(sender).nonce();
    }

    /** The committed balance of {@code account} (0 when absent). */
    public long balance(byte[] account) {
        return account(account).balance();
    }

    private Account account(byte[] pk) {
        byte[] key = accountKey(pk);
        lock.readLock().lock();
        try {
            return Account.decode(tree.value(key));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The committed value under a state key (see {@link #accountKey}, {@link #kvKey}) with its proof against {@link #stateRoot()}. */
    public SparseMerkleTree.Proven read(byte[] stateKey) {
        lock.readLock().lock();
        try {
            return tree.get(stateKey);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A proven read and the root and height it is against, taken together (no block lands between them). */
    public record ProvenRead(SparseMerkleTree.Proven proven, byte[] stateRoot, long height) {
    }

    /** {@link #read}, with the state root the proof verifies against and its height, under one read lock. */
    public ProvenRead provenRead(byte[] stateKey) {
        lock.readLock().lock();
        try {
            return new ProvenRead(tree.get(stateKey), tree.root(), store.executedHeight());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** An account's committed balance and next nonce, read together. */
    public record AccountState(long balance, long nonce, long height) {
    }

    public AccountState accountState(byte[] pk) {
        byte[] key = accountKey(pk);
        lock.readLock().lock();
        try {
            Account a = Account.decode(tree.value(key));
            return new AccountState(a.balance(), a.nonce(), store.executedHeight());
        } finally {
            lock.readLock().unlock();
        }
    }

    public byte[] stateRoot() {
        lock.readLock().lock();
        try {
            return tree.root();
        } finally {
            lock.readLock().unlock();
        }
    }

    public long executedHeight() {
        lock.readLock().lock();
        try {
            return store.executedHeight();
        } finally {
            lock.readLock().unlock();
        }
    }

    private static byte[] concat(byte[] a, byte[] b, byte[] c) {
        byte[] out = new byte[a.length + b.length + c.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        System.arraycopy(c, 0, out, a.length + b.length, c.length);
        return out;
    }
}
