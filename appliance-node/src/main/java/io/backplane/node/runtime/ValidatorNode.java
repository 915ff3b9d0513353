package io.backplane.node.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backplane.accel.Accelerator;
import io.backplane.hsm.keystore.Keystore;
import io.backplane.node.app.BlockResult;
import io.backplane.node.app.LedgerApp;
import io.backplane.node.consensus.crypto.AcceleratedBls;
import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.liveness.RoundRobinLeaderSchedule;
import io.backplane.node.consensus.round.ConsensusConfig;
import io.backplane.node.consensus.round.ConsensusEvent;
import io.backplane.node.consensus.round.Outbound;
import io.backplane.node.consensus.round.RoundManager;
import io.backplane.node.consensus.safety.CertificateVerifier;
import io.backplane.node.consensus.safety.SafetyRules;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.ConsensusMessage;
import io.backplane.node.consensus.types.ValidatorSet;
import io.backplane.node.keys.HsmConsensusSigner;
import io.backplane.node.keys.SafetyDataFile;
import io.backplane.node.ledger.LedgerStore;
import io.backplane.node.ledger.SparseMerkleTree;
import io.backplane.node.mempool.Mempool;
import io.backplane.node.mempool.MempoolLimits;
import io.backplane.node.mempool.SubmitResult;
import io.backplane.node.net.Lane;
import io.backplane.node.net.PeerStats;
import io.backplane.node.net.PeerTransport;
import io.backplane.node.net.TransportConfig;
import io.backplane.node.store.NodeDatabase;
import io.backplane.node.tx.Transaction;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One validator, assembled: the composition root of the running node. It wires the consensus core (round manager,
 * safety rules over the HSM-guarded signer) to the node's parts: the TLS peer transport, the RocksDB stores, the
 * mempool and the ledger app on its own thread, the client and metrics servers. Threads: the transport's event loops
 * (decode, then queue), the consensus thread ({@link ConsensusLoop}), the ledger thread ({@link LedgerExecutor}), the
 * client server's pool. {@link #close} stops them in the order that loses nothing: ingress, consensus, ledger, stores.
 */
public final class ValidatorNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ValidatorNode.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Client transactions whose accept time is kept for the commit latency. */
    private static final int MAX_TRACKED = 200_000;

    /** Everything a node needs besides its token and accelerator. */
    public record Settings(Path dataDir, String nodeId, Genesis genesis, String blsKeyId, InetSocketAddress metricsAddress,
                           String nativeTransport, MempoolLimits mempool, ConsensusConfig consensus, String backend, long doppelgangerRounds,
                           Election election, PrometheusRegistry registry) {
    }

    /**
     * Who picks the leaders: {@code algorithm} (the leader-election plugin in its enclave) computes each schedule epoch's
     * leaders, committed on chain, epochs of {@code genesis.epochLength()} rounds; null: the built-in round robin.
     */
    public record Election(io.backplane.node.consensus.liveness.LeaderElectionAlgorithm algorithm, String label) {
        public static final int HISTORY_LENGTH = 8;

        public static Election builtIn() {
            return new Election(null, "round-robin (built-in)");
        }
    }

    private final Settings settings;
    private final int self;
    private final ValidatorSet validators;
    private final NodeDatabase db;
    private final LedgerStore ledgerStore;
    private final LedgerApp app;
    private final Mempool mempool;
    private final NodeMetrics metrics;
    private final ConsensusLoop loop;
    private final LedgerExecutor executor;
    private final Proposals proposals;
    private final PeerTransport transport;
    private final ClientServer server;
    private final RoundRobinLeaderSchedule schedule;
    private final DoppelgangerGuard doppelganger;
    private final Map<String, Long> acceptedAt = new ConcurrentHashMap<>();
    private final Map<String, Long> nonces = new ConcurrentHashMap<>();
    private final long[] rate = new long[2];
    private volatile long round;
    private volatile int leader = -1;
    private volatile long committedHeight;
    private volatile long committedTx;
    private volatile double txPerSec;
    private volatile long lastCommitNanos;

    private ValidatorNode(Settings s, Keystore keystore, Accelerator accel) throws IOException {
        this.settings = s;
        Genesis g = s.genesis();
        this.self = g.indexOf(s.nodeId()).orElseThrow(() -> new IllegalArgumentException(
                "node '" + s.nodeId() + "' is not a validator of this genesis (validators: " + g.validators().stream().map(ValidatorRecord::id).toList() + ")"));
        ValidatorRecord me = g.validators().get(self);
        if (!Arrays.equals(keystore.publicKey(s.blsKeyId()), me.blsKey())) {
            throw new IllegalArgumentException("the BLS key " + s.blsKeyId() + " in this home's token is not validator '" + s.nodeId() + "''s key in the genesis");
        }
        this.validators = g.validatorSet();
        QuorumCrypto crypto = new AcceleratedBls(accel).forValidators(validators);
        Files.createDirectories(s.dataDir());
        this.db = NodeDatabase.open(s.dataDir().resolve("db"));
        this.ledgerStore = db.ledgerStore();
        this.app = new LedgerApp(g.chainId(), ledgerStore, accel);
        if (ledgerStore.executedHeight() == 0 && ledgerStore.stateRootAt(0).isEmpty()) {
            Map<byte[], Long> balances = new LinkedHashMap<>();
            g.accounts().forEach((pk, amount) -> balances.put(HexFormat.of().parseHex(pk), amount));
            app.initGenesis(balances);
        }
        this.metrics = new NodeMetrics(s.registry());
        this.committedHeight = ledgerStore.executedHeight(); // the status height is the executed one, from the store
        // The mempool asks under its lock, on the consensus thread too: answered from a cache the ledger thread keeps
        // after each block, so a proposal never waits for a block's execution (a sender seen for the first time is
        // read from the app, under the ledger lock).
        // The mempool asks under its lock, on the consensus thread too: answered from a cache the ledger thread
        // refreshes after each block, so a proposal never waits for a block's execution (a sender seen for the first
        // time is read from the app, whose read lock is held only while a block's tree update is written).
        this.mempool = new Mempool(g.chainId(), s.mempool(), accel, sender -> {
            String k = HexFormat.of().formatHex(sender);
            Long cached = nonces.get(k);
            if (cached != null) {
                return cached;
            }
            long n = app.nextNonce(sender);
            if (nonces.size() >= MAX_TRACKED) {
                nonces.clear(); // a cache: entries are read back from the ledger (bounded against floods of fresh keys)
            }
            Long raced = nonces.putIfAbsent(k, n);
            return raced != null ? raced : n;
        });
        this.loop = new ConsensusLoop(ValidatorNode::fatal);
        this.executor = new LedgerExecutor(app, ledgerStore, mempool, loop::post, this::executed, ValidatorNode::fatal);
        this.proposals = new Proposals(mempool, ledgerStore, accel);
        this.schedule = new RoundRobinLeaderSchedule(validators.size());

        HsmConsensusSigner hsm = new HsmConsensusSigner(keystore, s.blsKeyId(), new SafetyDataFile(s.dataDir().resolve("safety-data")));
        metrics.signing(hsm::count);
        io.backplane.node.consensus.safety.SafetyData before = hsm.safetyData().map(io.backplane.node.consensus.safety.SafetyData::decode)
                .orElse(new io.backplane.node.consensus.safety.SafetyData(Genesis.EPOCH, 0, 0, 0));
        // What this validator signed before this start: its safety data, and the double-sign guard's watermarks, which
        // the token and guard log keep when the data directory is lost (a node restarted on an empty disk would
        // otherwise take the QCs carrying its own earlier votes for a doppelganger and never sign again).
        long votedBefore = Math.max(before.lastVotedRound(), guardRound(keystore, s.blsKeyId(), io.backplane.hsm.SigningKind.VOTE));
        long timedOutBefore = Math.max(before.highestTimeoutRound(), guardRound(keystore, s.blsKeyId(), io.backplane.hsm.SigningKind.TIMEOUT));
        this.doppelganger = new DoppelgangerGuard(hsm, self, crypto, s.doppelgangerRounds(), s.consensus().baseRoundTimeoutMs(), votedBefore, timedOutBefore);
        SafetyRules safety = new SafetyRules(doppelganger, self, new CertificateVerifier(validators, crypto));

        Map<Integer, InetSocketAddress> peers = new HashMap<>();
        Map<String, Integer> directory = new HashMap<>();
        for (int i = 0; i < g.validators().size(); i++) {
            ValidatorRecord v = g.validators().get(i);
            directory.put(HexFormat.of().formatHex(v.identityKey().getEncoded()), i);
            if (i != self) {
                peers.put(i, resolved(v.listenAddress()));
            }
        }
        TransportConfig tc = TransportConfig.defaults(self, resolved(me.listenAddress()), peers);
        tc = new TransportConfig(tc.self(), tc.listen(), tc.peers(), tc.maxFrameBytes(), tc.queueCapacity(), tc.backoffMin(), tc.backoffMax(),
                s.nativeTransport());
        this.transport = PeerTransport.start(tc, keystore.tlsKeyManagerFactory(),
                (PublicKey pk) -> {
                    Integer i = directory.get(HexFormat.of().formatHex(pk.getEncoded()));
                    return i == null ? OptionalInt.empty() : OptionalInt.of(i);
                },
                this::received);
        RoundManager.Builder builder = RoundManager.builder(self, validators, crypto, safety);
        if (s.election().algorithm() == null) {
            builder.leaders(schedule);
        } else {
            builder.scheduleEpochs(new io.backplane.node.consensus.round.EpochConfig(g.epochLength(), s.election().algorithm(), Election.HISTORY_LENGTH));
        }
        RoundManager rm = builder
                .proposalValidator(proposals)
                .outbound(new Outbound() {
                    @Override
                    public void send(int to, ConsensusMessage message) {
                        transport.send(to, lane(message), message.toCanonicalBytes());
                    }

                    @Override
                    public void broadcast(ConsensusMessage message) {
                        transport.broadcast(lane(message), message.toCanonicalBytes());
                    }
                })
                .timers(loop)
                .clock(System::currentTimeMillis)
                .payloads(proposals)
                .blockStore(db.blockStore())
                .ledger(executor)
                .config(s.consensus())
                .build();
        metrics.peers(transport::stats, loop::depth, loop::dropped);
        loop.start(rm, this::afterBatch);
        this.server = new ClientServer(resolved(me.clientAddress()), s.metricsAddress(), new Api());
        LOG.info("node {} (validator {} of {}) up: transport {} ({}), client {}, metrics {}, backend {}", s.nodeId(), self, validators.size(),
                transport.localAddress(), transport.nativeTransport(), server.clientAddress(), server.metricsAddress(), s.backend());
    }

    /**
     * A consensus or ledger thread died (a store that failed to write, an out-of-memory error): the node must not go
     * on as a zombie that answers its status but neither votes nor executes. The process exits (code 70) through its
     * shutdown hooks, which close the stores; the operator's supervisor (systemd, {@code up}) sees it.
     */
    static void fatal(String thread, Throwable cause) {
        LOG.error("the {} thread stopped ({}); the node exits", thread, cause.toString(), cause);
        Thread exit = new Thread(() -> System.exit(70), "fatal-exit");
        exit.setDaemon(false);
        exit.start();
    }

    /** Opens the stores, joins the network and starts serving; the caller keeps {@code keystore} and {@code accel} open until {@link #close}. */
    public static ValidatorNode start(Settings settings, Keystore keystore, Accelerator accel) throws IOException {
        return new ValidatorNode(settings, keystore, accel);
    }

    /** The highest round the guard recorded {@code keyId} signing {@code kind} in (0: never). */
    static long guardRound(Keystore keystore, String keyId, io.backplane.hsm.SigningKind kind) {
        long round = 0;
        for (var h : keystore.guard().history(keyId)) {
            for (var w : h.watermarks()) {
                if (w.kind() == kind && w.epoch() == Genesis.EPOCH) {
                    round = Math.max(round, w.round());
                }
            }
        }
        return round;
    }

    private static InetSocketAddress resolved(InetSocketAddress a) {
        return a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    }

    private static Lane lane(ConsensusMessage m) {
        return m instanceof ConsensusMessage.BlockRequest || m instanceof ConsensusMessage.BlockResponse ? Lane.SYNC : Lane.CONSENSUS;
    }

    /** On a transport thread: decode, then queue for the consensus thread. Undecodable messages are counted and dropped. */
    private void received(int from, Lane lane, byte[] payload) {
        ConsensusMessage m;
        try {
            m = ConsensusMessage.decode(payload);
        } catch (RuntimeException e) {
            metrics.rejected("peer-undecodable");
            return;
        }
        doppelganger.observe(from, m);
        loop.offer(new ConsensusEvent.MessageReceived(from, m));
    }

    private void afterBatch(RoundManager rm) {
        round = rm.round();
        leader = rm.view().leaderFor(round, rm.highQc().blockId()).orElse(-1);
        doppelganger.round(round);
        metrics.round(round);
    }

    /**
     * On the ledger thread, after a block is durable and before its transactions leave the mempool (the nonce cache is
     * refreshed after the app's state, so a racing reader can only cache the newer value or be overwritten by it).
     */
    private void executed(Block block, long height, BlockResult result, List<Transaction> txs) {
        for (Transaction t : txs) {
            nonces.put(HexFormat.of().formatHex(t.sender()), app.nextNonce(t.sender()));
        }
        long now = System.nanoTime();
        int applied = 0;
        for (var o : result.outcomes()) {
            Long t = acceptedAt.remove(HexFormat.of().formatHex(o.hash()));
            if (o.applied()) {
                applied++;
                if (t != null) {
                    metrics.commitLatency((now - t) / 1e9);
                }
            }
        }
        double interval = lastCommitNanos == 0 ? -1 : (now - lastCommitNanos) / 1e9;
        lastCommitNanos = now;
        committedHeight = height;
        committedTx += applied;
        metrics.committed(height, applied, interval);
        synchronized (rate) {
            if (rate[0] == 0) {
                rate[0] = now;
                rate[1] = committedTx;
            } else if (now - rate[0] >= 2_000_000_000L) {
                txPerSec = (committedTx - rate[1]) / ((now - rate[0]) / 1e9);
                rate[0] = now;
                rate[1] = committedTx;
            }
        }
    }

    public NodeStatus status() {
        Map<Integer, PeerStats> peers = transport.stats();
        int connected = (int) peers.values().stream().filter(PeerStats::connected).count();
        long h = ledgerStore.executedHeight();
        String root = ledgerStore.stateRootAt(h).map(HexFormat.of()::formatHex).orElse("");
        return new NodeStatus(settings.nodeId(), settings.genesis().chainId(), self, committedHeight, round, leader, committedTx,
                stale() ? 0 : txPerSec, metrics.latencyQuantileMs(0.5), metrics.latencyQuantileMs(0.99), mempool.size(), settings.backend(),
                settings.election().label(), transport.nativeTransport(), connected, new ArrayList<>(new java.util.TreeSet<>(peers.keySet())),
                h, root, executor.divergences(), loop.running() && executor.running(), doppelganger.armed(), doppelganger.detected().orElse(null));
    }

    private boolean stale() {
        return lastCommitNanos == 0 || System.nanoTime() - lastCommitNanos > 5_000_000_000L;
    }

    /** The node's metrics registry in the Prometheus text format (what the metrics port serves). */
    public byte[] scrapeMetrics() {
        return metrics.scrape();
    }

    /** The genesis this node runs. */
    public Genesis genesis() {
        return settings.genesis();
    }

    /** The id of the BLS key this node signs with. */
    public String signingKeyId() {
        return settings.blsKeyId();
    }

    public InetSocketAddress clientAddress() {
        return server.clientAddress();
    }

    public InetSocketAddress metricsAddress() {
        return server.metricsAddress();
    }

    public InetSocketAddress transportAddress() {
        return transport.localAddress();
    }

    /** The fault hook of the partition tests: drop all traffic to and from these validators. */
    public void block(java.util.Set<Integer> peers) {
        transport.block(peers);
    }

    private final class Api implements ClientServer.Api {
        @Override
        public ArrayNode submit(JsonNode txs) {
            List<byte[]> encoded = new ArrayList<>();
            for (JsonNode t : txs) {
                encoded.add(ClientServer.hex(t.asText(), "transaction"));
            }
            long now = System.nanoTime();
            List<SubmitResult> results = mempool.submit(encoded);
            ArrayNode out = JSON.createArrayNode();
            for (SubmitResult r : results) {
                ObjectNode o = out.addObject();
                switch (r) {
                    case SubmitResult.Accepted a -> {
                        o.put("status", "accepted").put("hash", HexFormat.of().formatHex(a.hash()));
                        if (acceptedAt.size() >= MAX_TRACKED) {
                            acceptedAt.clear(); // transactions that expired from the mempool never commit: start over
                        }
                        acceptedAt.put(HexFormat.of().formatHex(a.hash()), now);
                    }
                    case SubmitResult.Rejected x -> {
                        o.put("status", "rejected").put("reason", x.reason());
                        metrics.rejected(x.reason().split("[ :]", 2)[0]);
                    }
                    case SubmitResult.Busy b -> o.put("status", "busy").put("retryAfterMs", b.retryAfterMs());
                }
            }
            metrics.mempool(mempool.size());
            return out;
        }

        @Override
        public ObjectNode txStatus(byte[] hash) {
            ObjectNode o = JSON.createObjectNode().put("hash", HexFormat.of().formatHex(hash));
            var h = ledgerStore.txHeight(hash);
            if (h.isPresent()) {
                return o.put("status", "committed").put("height", h.getAsLong());
            }
            return o.put("status", mempool.pending(hash) ? "pending" : "unknown");
        }

        @Override
        public ObjectNode read(byte[] key) {
            LedgerApp.ProvenRead read = app.provenRead(key);
            SparseMerkleTree.Proven p = read.proven();
            long h = read.height();
            byte[] root = read.stateRoot();
            ObjectNode o = JSON.createObjectNode().put("key", HexFormat.of().formatHex(key));
            if (p.value() == null) {
                o.putNull("value");
            } else {
                o.put("value", HexFormat.of().formatHex(p.value()));
            }
            return o.put("proof", HexFormat.of().formatHex(p.proof().encode())).put("stateRoot", HexFormat.of().formatHex(root)).put("height", h);
        }

        @Override
        public ObjectNode account(byte[] pk) {
            if (pk.length != 32) {
                throw new ClientServer.BadRequest("an account is a 32-byte Ed25519 public key, got " + pk.length + " bytes");
            }
            LedgerApp.AccountState a = app.accountState(pk);
            return JSON.createObjectNode().put("account", HexFormat.of().formatHex(pk)).put("balance", a.balance())
                    .put("nonce", a.nonce()).put("height", a.height());
        }

        @Override
        public NodeStatus status() {
            return ValidatorNode.this.status();
        }

        @Override
        public ObjectNode block(long height) {
            ObjectNode o = JSON.createObjectNode().put("height", height);
            List<Block> b = db.blockStore().committedRange(height, height);
            if (b.isEmpty()) {
                throw new ClientServer.BadRequest("no committed block at height " + height + " (committed up to " + committedHeight + ", or pruned)");
            }
            o.put("id", b.get(0).id().toString());
            ledgerStore.stateRootAt(height).ifPresent(r -> o.put("stateRoot", HexFormat.of().formatHex(r)));
            return o;
        }

        @Override
        public byte[] metrics() {
            return metrics.scrape();
        }
    }

    @Override
    public void close() {
        server.close();
        transport.close();
        loop.close();
        executor.close();
        if (loop.alive() || executor.alive()) {
            // A thread that did not finish may still write: leave the stores to the process's exit (RocksDB recovers
            // from its log) rather than close them under it.
            LOG.warn("node {}: a {} thread did not stop in time; the stores are left for the process exit", settings.nodeId(),
                    loop.alive() ? "consensus" : "ledger");
            return;
        }
        db.close();
        LOG.info("node {} stopped at height {}", settings.nodeId(), committedHeight);
    }
}
