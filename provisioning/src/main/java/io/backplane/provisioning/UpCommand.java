package io.backplane.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.node.runtime.Genesis;
import io.backplane.provisioning.cluster.AdminContext;
import io.backplane.provisioning.cluster.LoadGenerator;
import io.backplane.provisioning.cluster.NodeClient;
import io.backplane.provisioning.cluster.NodeProcesses;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code backplane up}, the main job: a local cluster of validators on loopback, provisioned on first use (a SoftHSM
 * token, keys and certificate per node, a genesis), each node a separate OS process with its own token, RocksDB and
 * transport, a load generator of pre-signed transactions, and live progress; at the end (the duration, or Ctrl-C) a
 * summary and the consistency check (every node holds the same block and state root at the highest height they all
 * reached). A second {@code up} on the same home reuses the keys and the chain.
 */
@Command(name = "up", description = "Run a local multi-node cluster (the main job): provision on first use, start N validators as processes on loopback, "
        + "drive them with pre-signed transactions and show progress until --duration or Ctrl-C, then stop them cleanly and check they agree.")
final class UpCommand implements Callable<Integer> {
    static final int SENDERS = 4096;
    static final long SENDER_BALANCE = 1_000_000_000L;
    /** Rounds per schedule epoch of the local cluster: the leader-election plugin is asked once per epoch. */
    static final int EPOCH_LENGTH = 100;
    static final String SAMPLE_LEADER_ELECTION = "io.backplane.plugin.samples.RoundRobinLeaderElection";
    static final String AUTHOR = "up-author";

    @Spec
    CommandSpec spec;

    @Mixin
    JsonOutput json;

    @Option(names = "--home", paramLabel = "DIR", description = "The cluster's home (default: ~/.backplane/cluster).")
    Path home;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "4", description = "Validators (default: ${DEFAULT-VALUE}; 1 to 16).")
    int nodes;

    @Option(names = "--duration", paramLabel = "D", description = "Run this long (e.g. 60s, 2m, 500ms); default: until Ctrl-C.")
    String duration;

    @Option(names = "--tx-rate", paramLabel = "N|max", defaultValue = "200", description = "Transactions per second offered, or max (default: ${DEFAULT-VALUE}).")
    String txRate;

    @Option(names = "--backend", paramLabel = "cpu|opencl|auto", defaultValue = "auto", description = "The nodes' crypto backend (default: ${DEFAULT-VALUE}).")
    String backend;

    private PrintWriter progress;

    @Override
    public Integer call() throws Exception {
        long durationMs = duration == null ? -1 : parseDuration(duration);
        double rate = parseRate(txRate);
        if (nodes < 1 || nodes > 16) {
            throw CommandFailure.usage("--nodes must be 1..16, got " + nodes);
        }
        if (!List.of("cpu", "opencl", "auto").contains(backend)) {
            throw CommandFailure.usage("--backend must be cpu, opencl or auto, got '" + backend + "'");
        }
        if (home != null && home.toString().isBlank()) {
            throw CommandFailure.usage("--home is empty; give a directory (or leave --home out for ~/.backplane/cluster)");
        }
        Path dir = home != null ? expand(home) : Path.of(System.getProperty("user.home"), ".backplane", "cluster");
        Files.createDirectories(dir);
        progress = json.enabled() ? spec.commandLine().getErr() : spec.commandLine().getOut();
        try (FileChannel lockFile = FileChannel.open(dir.resolve(".up.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw CommandFailure.failure("another `backplane up` runs on " + dir + " (it holds " + dir.resolve(".up.lock") + ")");
            }
            ClusterHome cluster = provision(dir);
            return run(cluster, durationMs, rate);
        }
    }

    /** What a provisioned cluster home holds. */
    record ClusterHome(Path dir, Path genesisFile, Genesis genesis, List<Path> nodeHomes, List<String> metrics, List<String> admin, byte[] loadSeed) {
    }

    private ClusterHome provision(Path dir) throws IOException {
        Path genesisFile = dir.resolve("genesis.json");
        Path seedFile = dir.resolve("load-seed");
        Path metricsFile = dir.resolve("metrics-ports");
        if (Files.exists(genesisFile)) {
            Genesis g;
            try {
                g = Genesis.read(genesisFile);
            } catch (IllegalArgumentException e) {
                throw CommandFailure.failure(e.getMessage() + " (remove " + dir + " to provision a new cluster)");
            }
            if (g.validators().size() != nodes) {
                throw CommandFailure.failure("the cluster at " + dir + " has " + g.validators().size() + " nodes; run with --nodes "
                        + g.validators().size() + ", or give a new --home");
            }
            List<Path> homes = new ArrayList<>();
            for (var v : g.validators()) {
                homes.add(dir.resolve(v.id()));
            }
            List<String> metrics = metricsAddresses(metricsFile, nodes);
            java.util.Set<Integer> taken = new java.util.HashSet<>();
            for (var v : g.validators()) {
                taken.add(v.listenAddress().getPort());
                taken.add(v.clientAddress().getPort());
            }
            metrics.forEach(m -> taken.add(io.backplane.node.runtime.ValidatorRecord.address(m, "metrics").getPort()));
            return new ClusterHome(dir, genesisFile, g, homes, metrics, adminAddresses(dir.resolve("admin-ports"), taken), loadSeed(seedFile));
        }
        progress.println("up: provisioning " + nodes + " validators under " + dir + " (SoftHSM tokens, identity and BLS keys, genesis)...");
        progress.flush();
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        List<Path> homes = new ArrayList<>();
        List<String> records = new ArrayList<>();
        List<String> metrics = new ArrayList<>();
        int[] ports = freePorts(nodes * 4); // one call: transport, client, metrics and admin ports all distinct
        for (int i = 0; i < nodes; i++) {
            String id = "node" + i;
            Path h = dir.resolve(id);
            homes.add(h);
            // A child process per node: SoftHSM reads its configuration once per process.
            NodeProcesses.Result r;
            try {
                r = NodeProcesses.runOnce(List.of("node", "init", "--home", h.toString(), "--id", id, "--listen", "127.0.0.1:" + ports[3 * i],
                        "--client", "127.0.0.1:" + ports[3 * i + 1], "--json"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CommandFailure.failure("interrupted while provisioning " + id);
            }
            if (r.exitCode() != 0) {
                throw CommandFailure.failure("`backplane node init --home " + h + " --id " + id + "` failed (" + r.exitCode() + "): " + r.output().trim());
            }
            records.add(h.resolve(NodeGroupCommand.RECORD_FILE).toString());
            metrics.add("127.0.0.1:" + ports[3 * i + 2]);
        }
        Path manifest = provisionLeaderElection(dir, homes);
        List<String> args = new ArrayList<>(List.of("genesis", "--chain-id", "backplane-local", "--out", genesisFile.toString(), "--json",
                "--epoch-length", Integer.toString(EPOCH_LENGTH), "--leader-election-manifest", manifest.toString()));
        args.add("--validator");
        args.addAll(records);
        for (var k : LoadGenerator.keys(seed, SENDERS)) {
            args.add("--account");
            args.add(HexFormat.of().formatHex(LoadGenerator.publicKey(k)) + "=" + SENDER_BALANCE);
        }
        Files.writeString(seedFile, HexFormat.of().formatHex(seed) + "\n");
        Files.write(metricsFile, metrics);
        List<String> admin = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            admin.add("127.0.0.1:" + ports[3 * nodes + i]);
        }
        Files.write(dir.resolve("admin-ports"), admin);
        subcommand(args.toArray(String[]::new));
        return new ClusterHome(dir, genesisFile, Genesis.read(genesisFile), homes, metrics, admin, seed);
    }

    /**
     * The sample round-robin leader-election plugin for every node: a cluster author key, the plugin jar (the samples
     * module's) with its manifest signed by that key, the key trusted in each node's home and jar and manifest copied
     * into each home's plugins directory (where {@code node run} finds them). Returns the manifest.
     */
    private static Path provisionLeaderElection(Path dir, List<Path> homes) throws IOException {
        Path authorDir = dir.resolve("plugin-author");
        Path plugins = dir.resolve("plugins");
        Files.createDirectories(plugins);
        Path jar = plugins.resolve(LeaderElectionPlugin.JAR);
        Path manifest = plugins.resolve(LeaderElectionPlugin.MANIFEST);
        SampleJar.writeTo(SAMPLE_LEADER_ELECTION, jar);
        if (!Files.exists(authorDir.resolve(AUTHOR + ".key"))) {
            subcommand("plugins", "keygen", "--key-id", AUTHOR, "--out", authorDir.toString());
        }
        subcommand("plugins", "manifest", "--id", "round-robin", "--plugin-version", "1.0.0", "--kind", "leader-election",
                "--entry-class", SAMPLE_LEADER_ELECTION, "--jar", jar.toString(), "--key", authorDir.resolve(AUTHOR + ".key").toString(),
                "--key-id", AUTHOR, "--out", manifest.toString());
        for (Path h : homes) {
            subcommand("plugins", "trust", "--home", h.toString(), "--key-id", AUTHOR, "--public-key", authorDir.resolve(AUTHOR + ".pub").toString());
            Path own = h.resolve("plugins");
            Files.createDirectories(own);
            Files.copy(jar, own.resolve(LeaderElectionPlugin.JAR), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(manifest, own.resolve(LeaderElectionPlugin.MANIFEST), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return manifest;
    }

    /**
     * Each node's admin API address, one HOST:PORT line per node in {@code admin-ports}. A cluster provisioned before
     * the admin API existed gets free loopback ports other than the cluster's {@code taken} ones, once; a damaged
     * file is named.
     */
    private List<String> adminAddresses(Path file, java.util.Set<Integer> taken) throws IOException {
        if (!Files.exists(file)) {
            List<String> lines = new ArrayList<>();
            for (int p : freePorts(nodes + taken.size())) {
                if (!taken.contains(p) && lines.size() < nodes) {
                    lines.add("127.0.0.1:" + p);
                }
            }
            Files.write(file, lines);
        }
        return addresses(file, nodes, "admin");
    }

    /** The provisioned metrics addresses, one HOST:PORT line per node; a damaged file is named. */
    static List<String> metricsAddresses(Path file, int nodes) {
        return addresses(file, nodes, "metrics");
    }

    private static List<String> addresses(Path file, int nodes, String what) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw CommandFailure.failure("cannot read " + file + " (" + e.getMessage() + "); remove " + file.getParent() + " to provision a new cluster");
        }
        if (lines.size() != nodes) {
            throw CommandFailure.failure(file + " names " + lines.size() + " " + what + " addresses for " + nodes + " nodes (damaged); remove "
                    + file.getParent() + " to provision a new cluster");
        }
        for (String l : lines) {
            try {
                io.backplane.node.runtime.ValidatorRecord.address(l, file.toString());
            } catch (IllegalArgumentException e) {
                throw CommandFailure.failure(e.getMessage() + " (damaged); remove " + file.getParent() + " to provision a new cluster");
            }
        }
        return lines;
    }

    /** The load accounts' seed: 32 bytes as hex; a damaged file is named. */
    static byte[] loadSeed(Path file) {
        try {
            byte[] seed = HexFormat.of().parseHex(Files.readString(file).trim());
            if (seed.length == 32) {
                return seed;
            }
        } catch (IOException | IllegalArgumentException e) {
            // named below
        }
        throw CommandFailure.failure(file + " must hold the load accounts' 32-byte seed as hex (damaged or missing); the funded accounts "
                + "derive from it: restore it, or remove " + file.getParent() + " to provision a new cluster");
    }

    /** Runs one of this command line's own subcommands in this process; its failure is this command's. */
    private static void subcommand(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        if (code != ExitCodes.OK) {
            throw CommandFailure.failure("`backplane " + String.join(" ", Arrays.copyOf(args, Math.min(args.length, 6))) + " …` failed ("
                    + code + "): " + (out + " " + err).trim());
        }
    }

    /** Validators of an earlier {@code up} of this home that still run (its {@code up} was killed): refused, named. */
    private static void refuseLeftovers(ClusterHome c) throws IOException {
        Path file = c.dir().resolve("cluster.json");
        if (!Files.exists(file)) {
            return;
        }
        List<Long> alive = new ArrayList<>();
        for (JsonNode n : JsonOutput.MAPPER.readTree(file.toFile()).path("nodes")) {
            long pid = n.path("pid").asLong();
            boolean running = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .flatMap(h -> h.info().arguments()).map(a -> String.join(" ", a).contains(n.path("home").asText()))
                    .orElse(false);
            if (running) {
                alive.add(pid);
            }
        }
        if (!alive.isEmpty()) {
            throw CommandFailure.failure("validators of an earlier `up` of " + c.dir() + " still run (pids " + alive
                    + "); stop them first (kill " + alive.stream().map(String::valueOf).reduce((a, b) -> a + " " + b).orElse("") + ")");
        }
    }

    private int run(ClusterHome c, long durationMs, double rate) throws Exception {
        refuseLeftovers(c);
        List<NodeClient> clients = new ArrayList<>();
        for (var v : c.genesis().validators()) {
            clients.add(new NodeClient(v.client()));
        }
        NodeProcesses procs = new NodeProcesses();
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Map<String, Object>[] summary = new Map[1];
        long[] startedAt = new long[1];
        LoadGenerator[] load = new LoadGenerator[1];
        long[] startTx = new long[nodes];
        double[] verifyMicros = new double[1];
        long[] startHeight = new long[1];
        Runnable finish = () -> {
            synchronized (summary) {
                if (summary[0] == null) {
                    summary[0] = stop(c, clients, procs, load[0], startedAt[0], startTx, startHeight[0]);
                    if (verifyMicros[0] > 0) {
                        // the box's verification limit, measured in this run: cores / (nodes x one Ed25519 verify)
                        double limit = Runtime.getRuntime().availableProcessors() / (nodes * verifyMicros[0] / 1e6);
                        summary[0].put("verifyLimitTxPerSec", Math.round(limit));
                        summary[0].put("ofVerifyLimit", Math.round(((Number) summary[0].get("txPerSec")).doubleValue() / limit * 1000) / 1000.0);
                        summary[0].put("ed25519VerifyMicros", Math.round(verifyMicros[0] * 10) / 10.0);
                    }
                }
            }
        };
        try (Interrupts.Registration reg = Interrupts.whileRunning(() -> {
            interrupted.set(true);
            finish.run();
            summary[0].put("interrupted", true);
            print(summary[0]);
            done.countDown();
        })) {
            for (int i = 0; i < nodes; i++) {
                procs.start(new NodeProcesses.Spec(c.genesis().validators().get(i).id(), c.nodeHomes().get(i), c.genesisFile(), c.metrics().get(i),
                        c.admin().get(i), backend));
            }
            writeClusterFile(c, procs);
            progress.println("up: started " + nodes + " validators (" + c.dir().resolve("cluster.json") + "); waiting for them to answer...");
            progress.flush();
            waitUntilUp(c, clients, procs);
            long[] nonces = new long[SENDERS];
            var keys = LoadGenerator.keys(c.loadSeed(), SENDERS);
            List<String> accounts = new ArrayList<>();
            for (var k : keys) {
                accounts.add(HexFormat.of().formatHex(LoadGenerator.publicKey(k)));
            }
            JsonNode known = clients.get(0).post("/v1/accounts", Map.of("accounts", accounts)).orElseThrow(() -> CommandFailure.failure(
                    "validator " + c.genesis().validators().get(0).id() + " did not answer the load accounts' nonces"));
            for (int s = 0; s < SENDERS; s++) {
                nonces[s] = known.path("accounts").path(s).path("nonce").asLong();
            }
            for (int i = 0; i < nodes; i++) {
                JsonNode st = clients.get(i).get("/v1/status").orElse(null);
                startTx[i] = st == null ? 0 : st.path("committedTx").asLong();
                startHeight[0] = Math.max(startHeight[0], st == null ? 0 : st.path("height").asLong());
            }
            // max mode is closed-loop: it learns the committed count from the nodes' status (polled, not per transaction)
            java.util.concurrent.atomic.AtomicLong committedNow = new java.util.concurrent.atomic.AtomicLong();
            Thread poller = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long sum = 0;
                    for (int i = 0; i < nodes; i++) {
                        final int n = i;
                        sum = Math.max(sum, clients.get(i).get("/v1/status").map(j -> j.path("committedTx").asLong() - startTx[n]).orElse(0L));
                    }
                    committedNow.set(sum);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "up-committed");
            poller.setDaemon(true);
            if (Double.isInfinite(rate)) {
                poller.start();
            }
            verifyMicros[0] = LoadGenerator.verifyMicros(c.genesis().chainId(), c.loadSeed());
            load[0] = new LoadGenerator(c.genesis().chainId(), clients, c.loadSeed(), SENDERS, nonces, rate).committedBy(committedNow::get);
            startedAt[0] = System.nanoTime();
            load[0].start();
            progress.println("up: load " + (Double.isInfinite(rate) ? "max" : (long) rate + " tx/s") + " over " + SENDERS + " accounts; "
                    + (durationMs < 0 ? "Ctrl-C stops" : "running " + duration));
            boolean tty = System.console() != null && !json.enabled();
            long end = durationMs < 0 ? Long.MAX_VALUE : System.nanoTime() + durationMs * 1_000_000L;
            long nextShow = System.nanoTime();
            while (System.nanoTime() < end && !interrupted.get()) {
                Optional<NodeProcesses.Spec> dead = procs.firstExited();
                if (dead.isPresent()) {
                    progress.println("up: validator " + dead.get().id() + " exited; its log ends:\n" + NodeProcesses.logTail(dead.get().home(), 20));
                    break;
                }
                if (System.nanoTime() >= nextShow) {
                    show(clients, load[0], startedAt[0], tty);
                    nextShow = System.nanoTime() + (tty ? 1_000_000_000L : 5_000_000_000L);
                }
                Thread.sleep(Math.max(1, Math.min(200, (end - System.nanoTime()) / 1_000_000L)));
            }
            if (interrupted.get()) {
                done.await(120, TimeUnit.SECONDS);
                return ExitCodes.INTERRUPTED;
            }
            finish.run();
        } finally {
            if (!interrupted.get()) {
                if (load[0] != null) {
                    load[0].close();
                }
                procs.stop(30); // a failure before the summary must not leave validators behind (a no-op after it)
            }
        }
        print(summary[0]);
        return Boolean.TRUE.equals(summary[0].get("consistent")) ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private void waitUntilUp(ClusterHome c, List<NodeClient> clients, NodeProcesses procs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int i = 0; i < nodes; i++) {
            while (clients.get(i).get("/v1/status").isEmpty()) {
                Optional<NodeProcesses.Spec> dead = procs.firstExited();
                if (dead.isPresent()) {
                    procs.stop(20);
                    throw CommandFailure.failure("validator " + dead.get().id() + " exited while starting; its log ("
                            + dead.get().home().resolve("logs/node.log") + ") ends:\n" + NodeProcesses.logTail(dead.get().home(), 20));
                }
                if (System.nanoTime() > deadline) {
                    procs.stop(20);
                    throw CommandFailure.failure("validator " + c.genesis().validators().get(i).id() + " did not answer on "
                            + c.genesis().validators().get(i).client() + " within 120 s; see " + c.nodeHomes().get(i).resolve("logs/node.log"));
                }
                Thread.sleep(200);
            }
        }
    }

    private void show(List<NodeClient> clients, LoadGenerator load, long startedAt, boolean tty) {
        StringBuilder b = new StringBuilder();
        long secs = (System.nanoTime() - startedAt) / 1_000_000_000L;
        if (tty) {
            b.append("\033[H\033[2J");
            b.append(String.format(Locale.ROOT, "backplane up: %d validators, %ds, load accepted %d, rejected %d, busy %d%n", clients.size(), secs,
                    load.accepted(), load.rejected(), load.busy()));
            b.append(String.format(Locale.ROOT, "%-8s %8s %8s %7s %9s %9s %-14s %-22s %6s%n", "node", "height", "round", "leader", "tx/s", "p50 ms",
                    "backend", "leader election", "peers"));
        }
        List<String> compact = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            Optional<JsonNode> s = clients.get(i).get("/v1/status");
            if (s.isEmpty()) {
                if (tty) {
                    b.append(String.format(Locale.ROOT, "%-8s (not answering)%n", "node" + i));
                }
                compact.add("node" + i + " down");
                continue;
            }
            JsonNode j = s.get();
            if (tty) {
                b.append(String.format(Locale.ROOT, "%-8s %8d %8d %7d %9.0f %9.1f %-14s %-22s %3d/%d%n", j.path("id").asText(), j.path("height").asLong(),
                        j.path("round").asLong(), j.path("leader").asInt(), j.path("txPerSec").asDouble(), j.path("commitLatencyP50Ms").asDouble(),
                        j.path("backend").asText(), j.path("leaderElection").asText(), j.path("peersConnected").asInt(), j.path("peers").size()));
            }
            compact.add(String.format(Locale.ROOT, "%s h=%d r=%d %.0ftx/s p50=%.0fms peers=%d", j.path("id").asText(), j.path("height").asLong(),
                    j.path("round").asLong(), j.path("txPerSec").asDouble(), j.path("commitLatencyP50Ms").asDouble(), j.path("peersConnected").asInt()));
        }
        if (!tty) {
            b.append("up ").append(secs).append("s: ").append(String.join(" | ", compact)).append('\n');
        }
        progress.print(b);
        progress.flush();
    }

    /** Stops the load, lets the chain settle, checks agreement, stops the nodes; the summary document. */
    private Map<String, Object> stop(ClusterHome c, List<NodeClient> clients, NodeProcesses procs, LoadGenerator load, long startedAt, long[] startTx,
                                     long startHeight) {
        double seconds = startedAt == 0 ? 0 : (System.nanoTime() - startedAt) / 1e9;
        if (load != null) {
            load.close();
        }
        List<JsonNode> statuses = new ArrayList<>();
        for (NodeClient n : clients) {
            statuses.add(n.get("/v1/status").orElse(null));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        long minHeight = Long.MAX_VALUE;
        long maxHeight = 0;
        long committedTx = 0;
        List<Double> p50 = new ArrayList<>();
        double p99 = 0;
        String backendUsed = "";
        int answering = 0;
        for (int i = 0; i < statuses.size(); i++) {
            JsonNode s = statuses.get(i);
            if (s == null) {
                continue;
            }
            answering++;
            minHeight = Math.min(minHeight, s.path("height").asLong());
            maxHeight = Math.max(maxHeight, s.path("height").asLong());
            committedTx = Math.max(committedTx, s.path("committedTx").asLong() - startTx[i]);
            if (s.path("commitLatencyP50Ms").asDouble() >= 0) {
                p50.add(s.path("commitLatencyP50Ms").asDouble());
                p99 = Math.max(p99, s.path("commitLatencyP99Ms").asDouble());
            }
            backendUsed = s.path("backend").asText();
        }
        // Consistent: every node answers, runs, has committed something, and holds the same block and state root at
        // the highest height they all reached (heights are the nodes' executed heights, read from their stores).
        boolean consistent = answering == clients.size() && minHeight != Long.MAX_VALUE && minHeight > 0;
        for (JsonNode s : statuses) {
            consistent &= s != null && s.path("consensusRunning").asBoolean(false);
        }
        String root = "";
        String blockId = "";
        if (consistent && minHeight > 0) {
            for (NodeClient n : clients) {
                JsonNode b = n.get("/v1/block/" + minHeight).orElse(null);
                if (b == null) {
                    consistent = false;
                    break;
                }
                String id = b.path("id").asText();
                String r = b.path("stateRoot").asText("");
                if (blockId.isEmpty()) {
                    blockId = id;
                    root = r;
                } else if (!blockId.equals(id) || !root.equals(r)) {
                    consistent = false;
                }
            }
            for (JsonNode s : statuses) {
                consistent &= s != null && s.path("divergences").asLong() == 0;
            }
        }
        int killed = procs.stop(30);
        p50.sort(Double::compare);
        doc.put("committedBlocks", Math.max(0, maxHeight - startHeight));
        doc.put("height", maxHeight);
        doc.put("committedTx", committedTx);
        doc.put("txPerSec", seconds > 0 ? Math.round(committedTx / seconds * 10) / 10.0 : 0);
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("p50", p50.isEmpty() ? null : Math.round(p50.get(p50.size() / 2) * 10) / 10.0);
        lat.put("p99", p50.isEmpty() ? null : Math.round(p99 * 10) / 10.0);
        doc.put("commitLatencyMs", lat);
        doc.put("consistent", consistent);
        doc.put("stateRoot", root);
        doc.put("backend", backendUsed);
        doc.put("checkedHeight", minHeight == Long.MAX_VALUE ? 0 : minHeight);
        doc.put("seconds", Math.round(seconds * 10) / 10.0);
        doc.put("loadAccepted", load == null ? 0 : load.accepted());
        doc.put("loadRejected", load == null ? 0 : load.rejected());
        doc.put("nodesKilled", killed);
        doc.put("home", c.dir().toString());
        return doc;
    }

    private void print(Map<String, Object> doc) {
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            JsonOutput.line(out, doc);
        } else {
            out.println("up: stopped. summary:");
            doc.forEach((k, v) -> out.println("  " + k + ": " + v));
        }
        out.flush();
    }

    private void writeClusterFile(ClusterHome c, NodeProcesses procs) throws IOException {
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            var v = c.genesis().validators().get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", v.id());
            m.put("pid", procs.processes().get(i).pid());
            m.put("transport", v.listen());
            m.put("client", v.client());
            m.put("metrics", c.metrics().get(i));
            m.put("admin", "https://" + c.admin().get(i));
            m.put("adminCertificate", c.nodeHomes().get(i).resolve("hsm/identity.pem").toString());
            m.put("adminCa", c.nodeHomes().get(i).resolve("admin/ca.pem").toString());
            m.put("adminTokenFile", c.nodeHomes().get(i).resolve("admin/operator.token").toString());
            m.put("home", c.nodeHomes().get(i).toString());
            m.put("log", c.nodeHomes().get(i).resolve("logs/node.log").toString());
            list.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("genesis", c.genesisFile().toString());
        doc.put("nodes", list);
        Map<String, Object> contexts = new LinkedHashMap<>();
        for (Map<String, Object> m : list) {
            contexts.put((String) m.get("id"), new AdminContext.Entry((String) m.get("admin"), Path.of((String) m.get("adminCertificate")),
                    Path.of((String) m.get("adminTokenFile"))));
        }
        AdminContext.write(c.dir().resolve(AdminContext.FILE), (String) list.get(0).get("id"), contexts);
        Path tmp = c.dir().resolve("cluster.json.tmp");
        Files.write(tmp, JsonOutput.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
        Files.move(tmp, c.dir().resolve("cluster.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }

    private static Path expand(Path p) {
        String s = p.toString();
        return s.equals("~") || s.startsWith("~/") ? Path.of(System.getProperty("user.home") + s.substring(1)) : p;
    }

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)?");

    /** 60s, 2m, 500ms, 1h, or plain seconds; anything else (Java's "400d" double literal included) is a usage error. */
    static long parseDuration(String d) {
        java.util.regex.Matcher m = DURATION.matcher(d.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw CommandFailure.usage("--duration must be like 60s, 2m, 500ms or 1h, got '" + d + "'");
        }
        double unitMs = switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> 1;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default -> 1000;
        };
        double ms = Double.parseDouble(m.group(1)) * unitMs;
        return positive(ms > MAX_DURATION_MS ? MAX_DURATION_MS + 1 : Math.round(ms), d);
    }

    /** The longest --duration: a year (a longer one is a typo; leave --duration out to run until Ctrl-C). */
    static final long MAX_DURATION_MS = 365L * 24 * 3_600_000;

    private static long positive(long ms, String d) {
        if (ms <= 0) {
            throw CommandFailure.usage("--duration must be positive, got '" + d + "'");
        }
        if (ms > MAX_DURATION_MS) {
            throw CommandFailure.usage("--duration must be at most a year, got '" + d + "' (leave it out to run until Ctrl-C)");
        }
        return ms;
    }

    static double parseRate(String r) {
        if ("max".equals(r)) {
            return Double.POSITIVE_INFINITY;
        }
        try {
            double v = Double.parseDouble(r);
            if (v <= 0 || Double.isNaN(v) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw CommandFailure.usage("--tx-rate must be a positive number or max, got '" + r + "'");
        }
    }
}
