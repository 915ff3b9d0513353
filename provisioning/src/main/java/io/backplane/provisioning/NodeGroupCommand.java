package io.backplane.provisioning;

import io.backplane.accel.Accelerator;
import io.backplane.hsm.keystore.Keystore;
import io.backplane.hsm.pkcs11.Pins;
import io.backplane.node.admin.AdminPlane;
import io.backplane.node.assembly.NodeAssembly;
import io.backplane.node.consensus.round.ConsensusConfig;
import io.backplane.node.mempool.MempoolLimits;
import io.backplane.node.runtime.Genesis;
import io.backplane.node.runtime.ValidatorNode;
import io.backplane.node.runtime.ValidatorRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code backplane node init|run}: make a validator's home, and run the validator. */
@Command(name = "node", description = "Make a validator's home (init) and run the validator (run).",
        subcommands = {NodeGroupCommand.Init.class, NodeGroupCommand.Run.class, NodeGroupCommand.Token.class,
                NodeGroupCommand.AdminCert.class})
final class NodeGroupCommand implements Callable<Integer> {
    /** The file {@code node init} writes: this validator's public record, the input of {@code genesis}. */
    static final String RECORD_FILE = "validator.json";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw BackplaneCommand.missingSubcommand(spec);
    }

    @Command(name = "init", description = "Create the home: SoftHSM token, identity key and certificate, BLS key with its proof of possession; "
            + "writes <home>/validator.json (this validator's record, for `genesis`) and prints it. Idempotent: a home that has its keys keeps them.")
    static final class Init extends KeysCommand.Base {
        @Option(names = "--id", required = true, paramLabel = "ID", description = "This validator's id (lower-case letters, digits, '-', '_').")
        String id;

        @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Peer transport address (TLS 1.3).")
        String listen;

        @Option(names = "--client", required = true, paramLabel = "HOST:PORT", description = "Client ingress address (HTTP/JSON).")
        String client;

        @Override
        Integer run() throws IOException {
            try {
                ValidatorRecord.address(listen, "--listen");
                ValidatorRecord.address(client, "--client");
                new io.backplane.config.NodeSection(id);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            home.ensureExists();
            Path configFile = home.configFile();
            if (!Files.exists(configFile)) {
                Files.writeString(configFile, "node:\n  id: " + id + "\n");
            }
            config = homeOption.loadConfig(home);
            if (!config.node().id().equals(id)) {
                throw CommandFailure.failure("the home " + home.dir() + " belongs to node '" + config.node().id() + "' (" + configFile + "), not '" + id + "'");
            }
            if (library() == null) {
                String envPin = System.getenv(Pins.ENV);
                Keystore.initToken(hsmDir(), config.hsm().tokenLabel(), envPin == null || envPin.isEmpty() ? null : envPin.toCharArray(),
                        pinFile(), Clock.systemUTC());
            }
            ValidatorRecord record;
            try (Keystore ks = openKeystore()) {
                var cert = ks.identityCertificate().orElseGet(ks::generateIdentity);
                var bls = NodeKeys.blsKey(ks).orElseGet(ks::generateBls);
                record = new ValidatorRecord(id, listen, client, HexFormat.of().formatHex(cert.getPublicKey().getEncoded()),
                        bls.publicKeyHex(), HexFormat.of().formatHex(ks.proofOfPossession(bls.id())), 1);
            }
            Path recordFile = home.dir().resolve(RECORD_FILE);
            Files.write(recordFile, JsonOutput.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("id", record.id());
            doc.put("listen", record.listen());
            doc.put("client", record.client());
            doc.put("identityPublicKey", record.identityPublicKey());
            doc.put("blsPublicKey", record.blsPublicKey());
            doc.put("proofOfPossession", record.proofOfPossession());
            doc.put("record", recordFile.toString());
            print(doc);
            return ExitCodes.OK;
        }
    }

    /** What issuing an admin credential shares: the principal's name and roles, and one way to report it (never the secret). */
    abstract static class Credential extends NodeCommand {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The principal (letters, digits, ._@-); for plugin steps, the name of its operator key.")
        String name;

        @Option(names = "--roles", required = true, split = ",", paramLabel = "ROLE[,ROLE...]", description = "operator, plugin-author, approver, auditor.")
        List<String> roles;

        java.util.Set<io.backplane.admin.model.Role> parsedRoles() {
            java.util.Set<io.backplane.admin.model.Role> parsed = new java.util.LinkedHashSet<>();
            for (String r : roles) {
                try {
                    parsed.add(io.backplane.admin.model.Role.parse(r.strip()));
                } catch (IllegalArgumentException e) {
                    throw CommandFailure.usage(e.getMessage());
                }
            }
            return parsed;
        }

        /** {@code {"name", "roles", ...where}} with --json, else {@code human}. */
        Integer report(java.util.Set<io.backplane.admin.model.Role> parsed, Map<String, Object> where, String human) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("name", name);
            doc.put("roles", parsed.stream().map(io.backplane.admin.model.Role::wireName).toList());
            doc.putAll(where);
            if (json.enabled()) {
                JsonOutput.line(spec.commandLine().getOut(), doc);
            } else {
                spec.commandLine().getOut().println(human);
                spec.commandLine().getOut().flush();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "token", description = "Issue an admin API token: NAME with ROLES; its SHA-256 is added to <home>/admin/tokens (a running node "
            + "reads it at its next request) and the token itself is written once, owner-only, to --out. Never printed.")
    static final class Token extends Credential {
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where the token is written (must not exist).")
        Path out;

        @Override
        public Integer call() throws IOException {
            java.util.Set<io.backplane.admin.model.Role> parsed = parsedRoles();
            if (Files.exists(out)) {
                throw CommandFailure.failure(out + " exists; a token is written to a new file only");
            }
            io.backplane.config.NodeHome h = home.resolve();
            Path file = AdminPlane.tokenFile(h);
            String token;
            try {
                token = io.backplane.admin.server.TokenFile.issue(file, name, parsed);
            } catch (IllegalArgumentException e) {
                throw CommandFailure.failure(e.getMessage());
            }
            io.backplane.config.OwnerOnlyFile.write(out, token + "\n");
            Map<String, Object> where = new LinkedHashMap<>();
            where.put("tokenFile", file.toString());
            where.put("out", out.toString());
            return report(parsed, where, "token for " + name + " (" + String.join(",", roles) + ") written to " + out + "; " + file + " holds its SHA-256");
        }
    }

    @Command(name = "admin-cert", description = "Issue an admin API client certificate from the home's admin CA (made on first use: "
            + "<home>/admin/ca.pem and ca.key; the API trusts a new CA from the node's next start): CN NAME, one OU per role; "
            + "writes DIR/NAME.crt.pem and DIR/NAME.key.pem (owner-only).")
    static final class AdminCert extends Credential {
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the certificate and key are written (new files only).")
        Path out;

        @Option(names = "--days", defaultValue = "365", paramLabel = "N", description = "Validity in days (default: ${DEFAULT-VALUE}).")
        int days;

        @Override
        public Integer call() throws IOException {
            java.util.Set<io.backplane.admin.model.Role> parsed = parsedRoles();
            if (days < 1 || days > 3650) {
                throw CommandFailure.usage("--days must be 1 to 3650, got " + days);
            }
            io.backplane.config.NodeHome h = home.resolve();
            io.backplane.node.admin.AdminCa.Issued issued;
            try {
                issued = io.backplane.node.admin.AdminCa.issue(h, home.loadConfig(h).node().id(), name, parsed, java.time.Duration.ofDays(days), out);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw CommandFailure.failure(e.getMessage());
            }
            Map<String, Object> where = new LinkedHashMap<>();
            where.put("certificate", issued.certificate().toString());
            where.put("key", issued.key().toString());
            where.put("ca", AdminPlane.caFile(h).toString());
            where.put("notAfter", issued.leaf().getNotAfter().toInstant().toString());
            return report(parsed, where, "client certificate for " + name + " (" + String.join(",", roles) + "): " + issued.certificate() + ", key "
                    + issued.key() + "; trusted through " + AdminPlane.caFile(h));
        }
    }

    @Command(name = "run", description = "Run this validator in the foreground until SIGTERM or SIGINT, which stop it cleanly (the stores closed, nothing half-written).")
    static final class Run extends KeysCommand.Base {
        @Option(names = "--genesis", required = true, paramLabel = "FILE", description = "The network's genesis file (from `backplane genesis`).")
        Path genesisFile;

        @Option(names = "--metrics", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
                description = "Prometheus metrics address (default: ${DEFAULT-VALUE}, loopback, any free port; the log names it).")
        String metrics;

        @Option(names = "--admin", paramLabel = "HOST:PORT|off", defaultValue = "127.0.0.1:0",
                description = "Admin API address (HTTPS with the identity key; default: ${DEFAULT-VALUE}, loopback, any free port; 'off': none). "
                        + "A home without admin tokens gets an operator token in <home>/admin/operator.token.")
        String admin;

        @Option(names = "--native-transport", paramLabel = "auto|io_uring|epoll|nio", defaultValue = "auto",
                description = "Netty transport (default: ${DEFAULT-VALUE}: io_uring, then epoll, then NIO).")
        String nativeTransport;

        @Option(names = "--round-timeout-ms", paramLabel = "MS", defaultValue = "1000", description = "Base round timeout (default: ${DEFAULT-VALUE}).")
        long roundTimeoutMs;

        @Option(names = "--leader-election", paramLabel = "JAR",
                description = "The leader-election plugin jar the genesis names (default: <home>/plugins/leader-election.jar).")
        Path leaderElectionJar;

        @Option(names = "--leader-election-manifest", paramLabel = "FILE",
                description = "Its signed manifest (default: the jar's name with .manifest.json).")
        Path leaderElectionManifest;

        @Option(names = "--doppelganger-rounds", paramLabel = "N", defaultValue = "3",
                description = "Rounds to listen for another copy of this validator before the first signature (default: ${DEFAULT-VALUE}; 0: off).")
        long doppelgangerRounds;

        @Override
        Integer run() throws Exception {
            if (doppelgangerRounds < 0) {
                throw usage("--doppelganger-rounds must be 0 or more, got " + doppelgangerRounds);
            }
            if (!java.util.Set.of("auto", "io_uring", "epoll", "nio").contains(nativeTransport)) {
                throw usage("--native-transport must be auto, io_uring, epoll or nio, got '" + nativeTransport + "'");
            }
            var metricsAddr = ValidatorRecord.address(metrics, "--metrics");
            var adminAddr = admin.equals("off") ? null : ValidatorRecord.address(admin, "--admin");
            Genesis genesis;
            try {
                genesis = Genesis.read(genesisFile);
            } catch (IllegalArgumentException e) {
                throw CommandFailure.failure(e.getMessage());
            }
            String device = config.accel().device();
            CountDownLatch stopped = new CountDownLatch(1);
            // One registry for the node's, the accelerator's series: what the metrics port serves.
            io.prometheus.metrics.model.registry.PrometheusRegistry registry = new io.prometheus.metrics.model.registry.PrometheusRegistry();
            if (genesis.leaderElection() == null && leaderElectionJar != null) {
                throw usage("the genesis names no leader-election plugin (the built-in round robin runs); leave --leader-election out");
            }
            try (Keystore ks = openKeystore();
                 Accelerator accel = NodeAssembly.openAccelerator(device, home, Accelerator.Options.defaults().withRegistry(registry));
                 LeaderElectionPlugin plugin = LeaderElectionPlugin.open(genesis.leaderElection(), leaderElectionJar, leaderElectionManifest, home, config, registry)) {
                String keyId = NodeKeys.blsKey(ks).orElseThrow(() -> CommandFailure.failure(
                        "no BLS key in " + hsmDir() + "; the first step is `backplane node init --home " + home.dir() + " --id ...`")).id();
                String backend = accel.device().map(d -> d instanceof io.backplane.accel.opencl.OpenClBackend o ? "opencl:" + o.device().name() : "opencl:" + d.describe()).orElse("cpu");
                ConsensusConfig cc = ConsensusConfig.defaults();
                cc = new ConsensusConfig(roundTimeoutMs, cc.maxBackoffExponent(), cc.maxPayloadBytes(), cc.fetchBatch());
                ValidatorNode node = ValidatorNode.start(new ValidatorNode.Settings(home.dataDir(), config.node().id(), genesis, keyId,
                        new java.net.InetSocketAddress(metricsAddr.getHostString(), metricsAddr.getPort()), nativeTransport,
                        MempoolLimits.defaults(), cc, backend, doppelgangerRounds, plugin.election(), registry), ks, accel);
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("id", config.node().id());
                doc.put("transport", node.transportAddress().toString());
                doc.put("client", node.clientAddress().toString());
                doc.put("metrics", node.metricsAddress().toString());
                doc.put("backend", backend);
                AdminPlane.Running adminPlane = null;
                if (adminAddr != null) {
                    try {
                        adminPlane = AdminPlane.start(home, ks, new java.net.InetSocketAddress(adminAddr.getHostString(), adminAddr.getPort()), node, accel,
                                config, io.backplane.provisioning.cluster.NodeProcesses::backplane);
                    } catch (IOException | RuntimeException e) {
                        node.close(); // nothing runs half-started
                        throw CommandFailure.failure("admin API: " + e.getMessage());
                    }
                    doc.put("admin", "https://" + adminAddr.getHostString() + ":" + adminPlane.port());
                    doc.put("adminTokenFile", AdminPlane.operatorTokenFile(home).toString());
                }
                print(doc);
                out().flush();
                AdminPlane.Running adminToClose = adminPlane;
                try (Interrupts.Registration stop = Interrupts.whileRunning(() -> {
                    if (adminToClose != null) {
                        adminToClose.close();
                    }
                    node.close();
                    stopped.countDown();
                })) {
                    stopped.await();
                }
            }
            return ExitCodes.OK;
        }
    }
}
