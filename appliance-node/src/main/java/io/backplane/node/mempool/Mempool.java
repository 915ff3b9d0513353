package io.backplane.node.mempool;

import io.backplane.accel.Accelerator;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.codec.CodecException;
import io.backplane.node.tx.Payload;
import io.backplane.node.tx.Transaction;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * Pending transactions between the client ingress and the proposer.
 *
 * <p>Threading: {@link #submit} from any number of client threads, {@link #nextPayload} on the consensus thread,
 * {@link #committed} on the executor thread; all state sits behind one lock. Decoding and the batched signature
 * verification run outside it. The {@code nextNonce} function is called under the lock: it must be quick and must not
 * call back into the mempool (the ledger app's read of its committed state is both).
 *
 * <p>Admission, in order: strict decode, chain id, signature (one accelerator batch per call), duplicate hash, nonce
 * below the sender's committed next nonce (stale), nonce more than {@code maxPerSender} past it (too far), another
 * pending transaction with the same sender and nonce (taken); then room: the sender's share, the count and the bytes,
 * a full one answering {@link SubmitResult.Busy}. A transaction stays until it is committed, its nonce goes stale or it
 * expires, so a payload that a failed leader proposed is proposed again by the next one.
 */
public final class Mempool {
    /** Suggested wait before a client retries a Busy transaction: about one block. */
    public static final long RETRY_AFTER_MS = 1_000;
    /** How many committed blocks a transaction may wait before it expires (see {@link #committed}). */
    public static final long DEFAULT_TTL_BLOCKS = 600;

    private static final class Entry {
        final Transaction tx;
        final byte[] encoded;
        final ByteBuffer hash;
        final long admittedAtBlock;

        Entry(Transaction tx, byte[] encoded, byte[] hash, long admittedAtBlock) {
            this.tx = tx;
            this.encoded = encoded;
            this.hash = ByteBuffer.wrap(hash);
            this.admittedAtBlock = admittedAtBlock;
        }
    }

    private final String chainId;
    private final MempoolLimits limits;
    private final Accelerator accel;
    private final ToLongFunction<byte[]> nextNonce;
    private final long ttlBlocks;
    private final Object lock = new Object();
    private final Map<ByteBuffer, Entry> byHash = new HashMap<>();
    /** Per sender, its pending transactions by nonce; senders in the order they last became pending (fair payloads). */
    private final Map<ByteBuffer, TreeMap<Long, Entry>> bySender = new LinkedHashMap<>();
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    /** Admission order, oldest first: what expiry scans. */
    private final Map<ByteBuffer, Entry> byAge = new LinkedHashMap<>();
    private long bytes;
    /** The mempool's clock: how many times {@link #committed} ran (one per committed block). */
    private long blocks;

    /** A mempool whose transactions expire after {@link #DEFAULT_TTL_BLOCKS} committed blocks. */
    public Mempool(String chainId, MempoolLimits limits, Accelerator accel, ToLongFunction<byte[]> nextNonce) {
        this(chainId, limits, accel, nextNonce, DEFAULT_TTL_BLOCKS);
    }

    /**
     * @param ttlBlocks how many committed blocks a pending transaction may wait (behind a nonce gap, say) before it is
     *                  dropped; counted in blocks, not wall time, so no clock is read
     */
    public Mempool(String chainId, MempoolLimits limits, Accelerator accel, ToLongFunction<byte[]> nextNonce, long ttlBlocks) {
        this.chainId = Objects.requireNonNull(chainId, "chainId");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.accel = Objects.requireNonNull(accel, "accel");
        this.nextNonce = Objects.requireNonNull(nextNonce, "nextNonce");
        if (ttlBlocks <= 0) {
            throw new IllegalArgumentException("mempool ttlBlocks must be positive, got " + ttlBlocks);
        }
        this.ttlBlocks = ttlBlocks;
    }

    /** One answer per submitted transaction, in order. */
    public List<SubmitResult> submit(List<byte[]> encodedTxs) {
        int n = encodedTxs.size();
        SubmitResult[] out = new SubmitResult[n];
        Transaction[] txs = new Transaction[n];
        byte[][] encoded = new byte[n][];
        byte[][] hashes = new byte[n][];
        for (int i = 0; i < n; i++) {
            byte[] raw = encodedTxs.get(i);
            encoded[i] = raw == null ? null : raw.clone(); // the caller's array may change after this call
            Transaction tx;
            try {
                tx = Transaction.decode(encoded[i]);
            } catch (CodecException e) {
                out[i] = reject("malformed", e.getMessage());
                continue;
            }
            if (!tx.chainId().equals(chainId)) {
                out[i] = reject("wrong-chain", "transaction for chain '" + tx.chainId() + "', this is '" + chainId + "'");
                continue;
            }
            txs[i] = tx;
            hashes[i] = sha256(encoded[i]);
        }
        boolean[] pendingAlready = new boolean[n];
        synchronized (lock) {
            for (int i = 0; i < n; i++) {
                pendingAlready[i] = txs[i] != null && byHash.containsKey(ByteBuffer.wrap(hashes[i]));
            }
        }
        List<Integer> verifying = new ArrayList<>(n);
        List<Ed25519Item> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (pendingAlready[i]) {
                out[i] = reject("duplicate", null); // these bytes were verified once: resubmitting costs no verification
            } else if (txs[i] != null) {
                verifying.add(i);
                items.add(txs[i].verifyItem());
            }
        }
        boolean[] valid = items.isEmpty() ? new boolean[0] : accel.ed25519BatchVerify(items);
        synchronized (lock) {
            for (int k = 0; k < verifying.size(); k++) {
                int i = verifying.get(k);
                out[i] = valid[k] ? admit(txs[i], encoded[i], hashes[i]) : reject("bad-signature", null);
            }
        }
        return List.of(out);
    }

    private SubmitResult admit(Transaction tx, byte[] encoded, byte[] hash) {
        if (byHash.containsKey(ByteBuffer.wrap(hash))) {
            return reject("duplicate", null);
        }
        long next = nextNonce.applyAsLong(tx.sender());
        if (tx.nonce() < next) {
            return reject("stale-nonce", "nonce " + tx.nonce() + " is below the sender's next nonce " + next);
        }
        if (tx.nonce() - next > limits.maxPerSender()) {
            return reject("nonce-too-far", "nonce " + tx.nonce() + " is more than " + limits.maxPerSender()
                    + " past the sender's next nonce " + next);
        }
        ByteBuffer sender = ByteBuffer.wrap(tx.sender());
        TreeMap<Long, Entry> queue = bySender.get(sender);
        if (queue != null && queue.containsKey(tx.nonce())) {
            return reject("nonce-taken", "another transaction of this sender with nonce " + tx.nonce() + " is pending");
        }
        if (queue != null && queue.size() >= limits.maxPerSender()) {
            return busy("busy.sender");
        }
        if (byHash.size() >= limits.maxCount()) {
            return busy("busy.count");
        }
        if (bytes + encoded.length > limits.maxBytes()) {
            return busy("busy.bytes");
        }
        Entry e = new Entry(tx, encoded, hash, blocks);
        byHash.put(e.hash, e);
        byAge.put(e.hash, e);
        bySender.computeIfAbsent(sender, s -> new TreeMap<>()).put(tx.nonce(), e);
        bytes += encoded.length;
        count("accepted", 1);
        return new SubmitResult.Accepted(hash);
    }

    /**
     * A payload of pending transactions: per sender only the gap-free run from its committed next nonce, in nonce
     * order, senders taken in turns (one transaction each per turn) up to {@code maxBlockTx} and
     * {@code maxBlockBytes}. Nothing is removed: a transaction leaves only through {@link #committed}.
     */
    public byte[] nextPayload(long round) {
        List<byte[]> encoded = new ArrayList<>();
        for (Entry e : choose(hash -> false)) {
            encoded.add(e.encoded);
        }
        return Payload.ofEncoded(encoded);
    }

    /**
     * As {@link #nextPayload}, for a leader whose earlier transactions are still in uncommitted blocks: those for which
     * {@code inFlight} (given the hash) answers true are left out but count as present, so a sender's later nonces
     * follow them.
     */
    public List<Transaction> select(java.util.function.Predicate<byte[]> inFlight) {
        List<Transaction> out = new ArrayList<>();
        for (Entry e : choose(inFlight)) {
            out.add(e.tx);
        }
        return out;
    }

    private List<Entry> choose(java.util.function.Predicate<byte[]> inFlight) {
        List<Entry> chosen = new ArrayList<>();
        synchronized (lock) {
            List<List<Entry>> runs = new ArrayList<>(bySender.size());
            int longest = 0;
            for (Map.Entry<ByteBuffer, TreeMap<Long, Entry>> s : bySender.entrySet()) {
                long expected = nextNonce.applyAsLong(s.getKey().array());
                List<Entry> run = new ArrayList<>();
                for (Entry e : s.getValue().tailMap(expected, true).values()) {
                    if (e.tx.nonce() != expected) {
                        break;
                    }
                    if (!inFlight.test(e.hash.array())) {
                        run.add(e);
                    }
                    expected++;
                }
                runs.add(run);
                longest = Math.max(longest, run.size());
            }
            boolean[] blocked = new boolean[runs.size()];
            long size = Payload.encodedSize(0, 0);
            fill:
            for (int level = 0; level < longest; level++) {
                for (int s = 0; s < runs.size(); s++) {
                    List<Entry> run = runs.get(s);
                    if (blocked[s] || run.size() <= level) {
                        continue;
                    }
                    if (chosen.size() >= limits.maxBlockTx()) {
                        break fill;
                    }
                    Entry e = run.get(level);
                    if (size + 4 + e.encoded.length > limits.maxBlockBytes()) {
                        blocked[s] = true; // its later nonces cannot come without this one
                        continue;
                    }
                    chosen.add(e);
                    size += 4 + e.encoded.length;
                }
            }
        }
        return chosen;
    }

    /**
     * Called once per committed block, empty ones included (the calls are the expiry clock), after the ledger
     * executed it, with every transaction of its payload, applied or skipped (a skipped one was included and would
     * only fail again). Removes them, then every pending transaction whose nonce is now below its sender's next
     * nonce (it can never apply), then those that have waited {@code ttlBlocks} blocks (expired: a nonce gap that
     * never fills must not hold room forever).
     */
    public void committed(List<Transaction> txs) {
        synchronized (lock) {
            blocks++;
            Set<ByteBuffer> senders = new HashSet<>();
            for (Transaction tx : txs) {
                Entry e = byHash.get(ByteBuffer.wrap(tx.hash()));
                if (e != null) {
                    remove(e);
                    count("committed", 1);
                }
                senders.add(ByteBuffer.wrap(tx.sender()));
            }
            for (ByteBuffer sender : senders) {
                TreeMap<Long, Entry> queue = bySender.get(sender);
                if (queue == null) {
                    continue;
                }
                long next = nextNonce.applyAsLong(sender.array());
                for (Entry stale : new ArrayList<>(queue.headMap(next, false).values())) {
                    remove(stale);
                    count("dropped.stale", 1);
                }
            }
            List<Entry> expired = new ArrayList<>();
            for (Entry e : byAge.values()) {
                if (blocks - e.admittedAtBlock < ttlBlocks) {
                    break; // oldest first: the rest are younger
                }
                expired.add(e);
            }
            for (Entry e : expired) {
                remove(e);
                count("expired", 1);
            }
        }
    }

    /**
     * {@link #committed} for a committed block's payload as it came (the block clock ticks even for an empty or
     * undecodable one, which the ledger executes as empty).
     */
    public void committedPayload(byte[] payload) {
        List<Transaction> txs;
        try {
            txs = Payload.decode(payload);
        } catch (CodecException e) {
            txs = List.of();
        }
        committed(txs);
    }

    private void remove(Entry e) {
        byHash.remove(e.hash);
        byAge.remove(e.hash);
        ByteBuffer sender = ByteBuffer.wrap(e.tx.sender());
        TreeMap<Long, Entry> queue = bySender.get(sender);
        queue.remove(e.tx.nonce());
        if (queue.isEmpty()) {
            bySender.remove(sender);
        }
        bytes -= e.encoded.length;
    }

    public boolean pending(byte[] hash) {
        synchronized (lock) {
            return byHash.containsKey(ByteBuffer.wrap(hash));
        }
    }

    public int size() {
        synchronized (lock) {
            return byHash.size();
        }
    }

    public long bytes() {
        synchronized (lock) {
            return bytes;
        }
    }

    /**
     * A snapshot: {@code accepted}, {@code rejected.<token>}, {@code busy} (with {@code busy.sender},
     * {@code busy.count}, {@code busy.bytes}), {@code committed}, {@code dropped.stale}, {@code expired}.
     */
    public Map<String, Long> counters() {
        Map<String, Long> snapshot = new TreeMap<>();
        counters.forEach((k, v) -> snapshot.put(k, v.sum()));
        return snapshot;
    }

    private SubmitResult reject(String token, String detail) {
        count("rejected." + token, 1);
        return new SubmitResult.Rejected(detail == null ? token : token + ": " + detail);
    }

    private SubmitResult busy(String which) {
        count("busy", 1);
        count(which, 1);
        return new SubmitResult.Busy(RETRY_AFTER_MS);
    }

    private void count(String name, long n) {
        counters.computeIfAbsent(name, k -> new LongAdder()).add(n);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
