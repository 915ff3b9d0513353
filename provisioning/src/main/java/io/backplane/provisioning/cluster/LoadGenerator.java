package io.backplane.provisioning.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.node.tx.Op;
import io.backplane.node.tx.Transaction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * The load of {@code backplane up}: transactions of {@link #senders} accounts (keys derived from the cluster's seed,
 * funded in its genesis), signed ahead by one thread into a bounded queue and submitted in batches by another, at a
 * fixed rate (token bucket) or, in {@code max} mode, as fast as they commit (closed loop: at most
 * {@link #MAX_IN_FLIGHT} accepted and not yet committed). Each sender's transactions go to one node (sender
 * index modulo the nodes), so its nonces reach one mempool in order. A transaction answered {@code busy}, or refused
 * as too far ahead of its sender's committed nonce, is retried later, never dropped (a dropped one would leave a nonce
 * gap that stalls its sender). Mostly {@code put}s in the sender's namespace, one in four a {@code transfer}.
 */
public final class LoadGenerator implements AutoCloseable {
    private static final int BATCH = 256;

    private final String chainId;
    private final List<NodeClient> nodes;
    private final List<Ed25519PrivateKeyParameters> keys;
    private final long[] nextNonce;
    private final double rate;
    private final BlockingQueue<Signed> signed = new ArrayBlockingQueue<>(16_384);
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong busy = new AtomicLong();
    private volatile String lastRejection = "";
    private volatile boolean running = true;
    private final Thread signer;
    private final Thread submitter;

    private record Signed(int sender, String hex) {
    }

    /**
     * How many accepted transactions may wait uncommitted in {@code max} mode: the load is closed-loop, so that the
     * commit latency measures the chain, not a backlog the generator piled into the mempools.
     */
    public static final long MAX_IN_FLIGHT = 4096;

    private volatile java.util.function.LongSupplier committed = () -> 0;

    /** {@code rate}: transactions per second, or {@code Double.POSITIVE_INFINITY} for as fast as they commit. */
    public LoadGenerator(String chainId, List<NodeClient> nodes, byte[] seed, int senders, long[] startNonces, double rate) {
        this.chainId = chainId;
        this.nodes = List.copyOf(nodes);
        this.keys = keys(seed, senders);
        this.nextNonce = startNonces.clone();
        this.rate = rate;
        this.signer = new Thread(this::sign, "load-signer");
        this.submitter = new Thread(this::submit, "load-submitter");
        signer.setDaemon(true);
        submitter.setDaemon(true);
        signer.setPriority(Thread.MIN_PRIORITY);
    }

    /** Where {@code max} mode learns how many of its transactions committed so far (this run's count). */
    public LoadGenerator committedBy(java.util.function.LongSupplier c) {
        this.committed = c;
        return this;
    }

    public void start() {
        signer.start();
        submitter.start();
    }

    /** The sender keys: seed 32 bytes, key i = SHA-256(seed || i). */
    public static List<Ed25519PrivateKeyParameters> keys(byte[] seed, int senders) {
        List<Ed25519PrivateKeyParameters> out = new ArrayList<>(senders);
        try {
            for (int i = 0; i < senders; i++) {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                d.update(seed);
                d.update(new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
                out.add(new Ed25519PrivateKeyParameters(d.digest()));
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /**
     * The median time, in microseconds, of one Ed25519 verification of this load's transactions on the CPU path the
     * nodes use (the accelerator's CPU backend, batches of 256), over 7 repetitions: the unit of the verification limit
     * {@code cores / (nodes × one verify)} that {@code up} reports beside its throughput.
     */
    public static double verifyMicros(String chainId, byte[] seed) {
        List<Ed25519PrivateKeyParameters> keys = keys(seed, 16);
        List<io.backplane.accel.ed25519.Ed25519Item> items = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            Transaction tx = Transaction.sign(chainId, keys.get(i % keys.size()), 1_000_000 + i, new Op.Put(new byte[] {1}, new byte[] {(byte) i}));
            items.add(tx.verifyItem());
        }
        io.backplane.accel.cpu.CpuBackend cpu = new io.backplane.accel.cpu.CpuBackend();
        cpu.ed25519BatchVerify(items); // warm-up
        double[] runs = new double[7];
        for (int r = 0; r < runs.length; r++) {
            long t0 = System.nanoTime();
            boolean[] ok = cpu.ed25519BatchVerify(items);
            runs[r] = (System.nanoTime() - t0) / 1e3 / items.size();
            for (boolean b : ok) {
                if (!b) {
                    throw new IllegalStateException("a load transaction did not verify");
                }
            }
        }
        java.util.Arrays.sort(runs);
        return runs[runs.length / 2];
    }

    public static byte[] publicKey(Ed25519PrivateKeyParameters k) {
        return k.generatePublicKey().getEncoded();
    }

    private void sign() {
        int n = keys.size();
        long i = 0;
        try {
            while (running) {
                int s = (int) (i % n);
                long nonce = nextNonce[s]++;
                Op op = (i % 4 == 3)
                        ? new Op.Transfer(publicKey(keys.get((s + 1) % n)), 1)
                        : new Op.Put(("k" + (nonce % 64)).getBytes(StandardCharsets.UTF_8), ("v" + nonce).getBytes(StandardCharsets.UTF_8));
                Transaction tx = Transaction.sign(chainId, keys.get(s), nonce, op);
                signed.put(new Signed(s, HexFormat.of().formatHex(tx.encode())));
                i++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void submit() {
        List<Deque<Signed>> retry = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            retry.add(new ArrayDeque<>());
        }
        long start = System.nanoTime();
        long sent = 0;
        try {
            while (running) {
                if (Double.isFinite(rate)) {
                    double due = (System.nanoTime() - start) / 1e9 * rate;
                    if (sent >= due) {
                        Thread.sleep(5);
                        continue;
                    }
                } else if (accepted.get() - committed.getAsLong() > MAX_IN_FLIGHT) {
                    Thread.sleep(5);
                    continue;
                }
                List<List<Signed>> perNode = new ArrayList<>();
                for (int i = 0; i < nodes.size(); i++) {
                    perNode.add(new ArrayList<>());
                    while (!retry.get(i).isEmpty() && perNode.get(i).size() < BATCH) {
                        perNode.get(i).add(retry.get(i).pollFirst());
                    }
                }
                int budget = Double.isFinite(rate) ? (int) Math.min(BATCH * nodes.size(), Math.max(1, (System.nanoTime() - start) / 1e9 * rate - sent)) : BATCH * nodes.size();
                int taken = 0;
                while (taken < budget) {
                    Signed s = taken == 0 ? signed.poll(100, TimeUnit.MILLISECONDS) : signed.poll();
                    if (s == null) {
                        break;
                    }
                    perNode.get(s.sender() % nodes.size()).add(s);
                    taken++;
                }
                boolean anyBusy = false;
                for (int i = 0; i < nodes.size(); i++) {
                    List<Signed> batch = perNode.get(i);
                    if (batch.isEmpty()) {
                        continue;
                    }
                    sent += batch.size();
                    anyBusy |= send(i, batch, retry.get(i));
                }
                if (anyBusy) {
                    Thread.sleep(20);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends one batch to node {@code i}; what must be retried goes back in order. Returns whether the node was busy. */
    private boolean send(int i, List<Signed> batch, Deque<Signed> retry) {
        List<String> hex = batch.stream().map(Signed::hex).toList();
        JsonNode results = nodes.get(i).submit(hex).orElse(null);
        List<Signed> again = new ArrayList<>();
        boolean wasBusy = false;
        if (results == null || results.size() != batch.size()) {
            again.addAll(batch); // node down or restarting: keep them
            wasBusy = true;
        } else {
            for (int k = 0; k < batch.size(); k++) {
                JsonNode r = results.get(k);
                String status = r.path("status").asText();
                switch (status) {
                    case "accepted" -> accepted.incrementAndGet();
                    case "busy" -> {
                        busy.incrementAndGet();
                        again.add(batch.get(k));
                        wasBusy = true;
                    }
                    default -> {
                        String reason = r.path("reason").asText();
                        if (reason.startsWith("duplicate")) {
                            accepted.incrementAndGet(); // a retry of a batch the node had taken (its answer was lost)
                        } else if (reason.startsWith("nonce-too-far")) {
                            again.add(batch.get(k));
                            wasBusy = true;
                        } else {
                            rejected.incrementAndGet();
                            lastRejection = reason;
                        }
                    }
                }
            }
            submitted.addAndGet(batch.size() - again.size());
        }
        for (int k = again.size() - 1; k >= 0; k--) {
            retry.addFirst(again.get(k));
        }
        return wasBusy;
    }

    public long accepted() {
        return accepted.get();
    }

    public long rejected() {
        return rejected.get();
    }

    public long busy() {
        return busy.get();
    }

    public String lastRejection() {
        return lastRejection;
    }

    @Override
    public void close() {
        running = false;
        signer.interrupt();
        try {
            submitter.join(15_000);
            signer.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
