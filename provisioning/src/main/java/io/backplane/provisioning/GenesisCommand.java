package io.backplane.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.node.runtime.Genesis;
import io.backplane.node.runtime.ValidatorRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code backplane genesis}: the file every box of a network starts from, made from the validators' records (each
 * proof of possession checked) and the governance keys. Writes nothing when a check fails.
 */
@Command(name = "genesis", description = "Write a genesis file from validator records (`node init` writes <home>/validator.json) and governance keys; "
        + "checks every proof of possession.")
final class GenesisCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JsonOutput json;

    @Option(names = "--validator", required = true, arity = "1..*", paramLabel = "FILE", description = "A validator record (repeatable; the order gives the indices).")
    List<Path> validators;

    @Option(names = "--governance-key", arity = "0..*", paramLabel = "FILE",
            description = "A governance key: a file holding a 32-byte Ed25519 public key as hex, or a JSON object with \"publicKey\" (repeatable).")
    List<Path> governanceKeys = new ArrayList<>();

    @Option(names = "--governance-threshold", paramLabel = "K", defaultValue = "0", description = "How many governance signatures a governance transaction needs.")
    int threshold;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the genesis file.")
    Path out;

    @Option(names = "--epoch-length", paramLabel = "L", defaultValue = "1000", description = "Rounds per epoch (default: ${DEFAULT-VALUE}).")
    int epochLength;

    @Option(names = "--chain-id", paramLabel = "ID", defaultValue = "backplane-local", description = "Chain id (default: ${DEFAULT-VALUE}).")
    String chainId;

    @Option(names = "--account", arity = "0..*", paramLabel = "PUBKEY=BALANCE", description = "An initial account balance (Ed25519 public key hex; repeatable).")
    List<String> accounts = new ArrayList<>();

    @Option(names = "--leader-election-manifest", paramLabel = "FILE",
            description = "The signed manifest of the leader-election plugin every validator runs (`plugins manifest`); default: the built-in round robin.")
    Path leaderElectionManifest;

    @Override
    public Integer call() throws IOException {
        List<ValidatorRecord> records = new ArrayList<>();
        for (Path v : validators) {
            try {
                records.add(Genesis.readRecord(v));
            } catch (IllegalArgumentException e) {
                throw CommandFailure.failure(e.getMessage());
            }
        }
        List<String> gov = new ArrayList<>();
        for (Path g : governanceKeys) {
            gov.add(governanceKey(g));
        }
        Map<String, Long> balances = new LinkedHashMap<>();
        for (String a : accounts) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw CommandFailure.usage("--account expects PUBKEY=BALANCE, got '" + a + "'");
            }
            try {
                if (balances.put(Genesis.lowerHex(a.substring(0, eq)), Long.parseLong(a.substring(eq + 1))) != null) {
                    throw CommandFailure.usage("--account " + a.substring(0, eq) + " is given twice");
                }
            } catch (NumberFormatException e) {
                throw CommandFailure.usage("--account " + a + ": the balance must be a number");
            }
        }
        Genesis.LeaderElectionPlugin election = null;
        if (leaderElectionManifest != null) {
            try {
                var m = io.backplane.plugin.host.ManifestCodec.parse(Files.readAllBytes(leaderElectionManifest));
                if (!m.kinds().contains("leader-election")) {
                    throw CommandFailure.plugin(leaderElectionManifest + ": plugin " + m.id() + " is not a leader-election plugin (kinds " + m.kinds() + ")");
                }
                election = new Genesis.LeaderElectionPlugin(m.id(), m.version(), m.jarSha256());
            } catch (IOException e) {
                throw CommandFailure.failure("cannot read " + leaderElectionManifest + ": " + e.getMessage());
            } catch (RuntimeException e) {
                if (e instanceof CommandFailure) {
                    throw e;
                }
                throw CommandFailure.plugin(leaderElectionManifest + ": " + e.getMessage());
            }
        }
        Genesis genesis;
        try {
            genesis = new Genesis(chainId, epochLength, records, gov, threshold, balances, election).validate();
        } catch (IllegalArgumentException e) {
            throw CommandFailure.failure(e.getMessage());
        }
        genesis.write(out);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("genesis", out.toString());
        doc.put("chainId", chainId);
        doc.put("validators", records.stream().map(ValidatorRecord::id).toList());
        doc.put("governanceThreshold", threshold);
        doc.put("leaderElection", election == null ? "round-robin (built-in)" : election.id() + " " + election.version());
        doc.put("hash", HexFormat.of().formatHex(genesis.hash()));
        json.print(spec.commandLine().getOut(), doc);
        return ExitCodes.OK;
    }

    private static String governanceKey(Path file) {
        String text;
        try {
            text = Files.readString(file).trim();
        } catch (IOException e) {
            throw CommandFailure.failure("cannot read governance key " + file + ": " + e.getMessage());
        }
        if (text.startsWith("{")) {
            try {
                JsonNode n = JsonOutput.MAPPER.readTree(text);
                text = n.path("publicKey").asText("");
            } catch (IOException e) {
                throw CommandFailure.failure(file + ": not JSON: " + e.getMessage());
            }
        }
        return text;
    }
}
