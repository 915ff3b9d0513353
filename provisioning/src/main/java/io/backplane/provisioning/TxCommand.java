package io.backplane.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.node.app.LedgerApp;
import io.backplane.node.ledger.StateProof;
import io.backplane.node.tx.Op;
import io.backplane.node.tx.Transaction;
import io.backplane.node.runtime.ValidatorRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code backplane tx}: a client of a node's ingress (HTTP/JSON). Transactions are signed here with the sender's
 * Ed25519 key ({@code --key-file}: 32-byte seed as hex, made by {@code tx keygen}); {@code get} checks the node's
 * proof itself before printing the value.
 */
@Command(name = "tx", description = "Submit transactions to a node and read its state: put, delete, transfer, status, get; keygen makes a key file.",
        subcommands = {TxCommand.Keygen.class, TxCommand.Put.class, TxCommand.Delete.class, TxCommand.Transfer.class,
                TxCommand.Status.class, TxCommand.Get.class})
final class TxCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw BackplaneCommand.missingSubcommand(spec);
    }

    abstract static class Client implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        JsonOutput json;

        @Option(names = "--node", required = true, paramLabel = "HOST:PORT", description = "The node's client address.")
        String node;

        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        JsonNode get(String path) {
            return send(HttpRequest.newBuilder(uri(path)).GET());
        }

        JsonNode post(String path, Object body) {
            try {
                return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(JsonOutput.MAPPER.writeValueAsBytes(body))));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private URI uri(String path) {
            var a = ValidatorRecord.address(node, "--node");
            return URI.create("http://" + a.getHostString() + ":" + a.getPort() + path);
        }

        private JsonNode send(HttpRequest.Builder b) {
            try {
                HttpResponse<byte[]> r = http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
                JsonNode doc = JsonOutput.MAPPER.readTree(r.body());
                if (r.statusCode() >= 400 && r.statusCode() != 503) {
                    throw CommandFailure.failure("node " + node + " answered " + r.statusCode() + ": " + doc.path("error").path("message").asText(new String(r.body(), StandardCharsets.UTF_8)));
                }
                return doc;
            } catch (IOException e) {
                throw CommandFailure.failure("cannot reach node " + node + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw CommandFailure.failure("interrupted");
            }
        }

        void print(Map<String, ?> doc) {
            json.print(spec.commandLine().getOut(), doc);
        }
    }

    abstract static class Signed extends Client {
        @Option(names = "--key-file", required = true, paramLabel = "FILE", description = "The sender's Ed25519 key (32-byte seed as hex; `tx keygen`).")
        Path keyFile;

        @Option(names = "--nonce", paramLabel = "N", description = "The nonce (default: the sender's next nonce as the node knows it).")
        Long nonce;

        abstract Op op();

        @Override
        public Integer call() {
            Ed25519PrivateKeyParameters key = readKey(keyFile);
            byte[] sender = key.generatePublicKey().getEncoded();
            JsonNode status = get("/v1/status");
            String chainId = status.path("chainId").asText();
            long n = nonce != null ? nonce : get("/v1/account/" + HexFormat.of().formatHex(sender)).path("nonce").asLong();
            Transaction tx = Transaction.sign(chainId, key, n, op());
            JsonNode r = post("/v1/tx", Map.of("txs", new String[] {HexFormat.of().formatHex(tx.encode())})).path("results").path(0);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("status", r.path("status").asText());
            doc.put("hash", HexFormat.of().formatHex(tx.hash()));
            doc.put("nonce", n);
            if (r.has("reason")) {
                doc.put("reason", r.path("reason").asText());
            }
            if (r.has("retryAfterMs")) {
                doc.put("retryAfterMs", r.path("retryAfterMs").asLong());
            }
            print(doc);
            return "accepted".equals(doc.get("status")) ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }

    static Ed25519PrivateKeyParameters readKey(Path file) {
        try {
            byte[] seed = HexFormat.of().parseHex(Files.readString(file).trim());
            if (seed.length != 32) {
                throw CommandFailure.failure(file + ": an Ed25519 key file holds a 32-byte seed as hex, this one has " + seed.length + " bytes");
            }
            return new Ed25519PrivateKeyParameters(seed);
        } catch (IOException e) {
            throw CommandFailure.failure("cannot read key file " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw CommandFailure.failure(file + ": not hex");
        }
    }

    @Command(name = "keygen", description = "Write a new Ed25519 client key (32-byte seed as hex, mode 600) and print its public key.")
    static final class Keygen implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        JsonOutput json;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The key file to create (refused if it exists).")
        Path out;

        @Override
        public Integer call() throws IOException {
            if (Files.exists(out)) {
                throw CommandFailure.failure(out + " exists; a key file is never overwritten");
            }
            Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
            Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(out, HexFormat.of().formatHex(key.getEncoded()) + "\n");
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("keyFile", out.toString());
            doc.put("publicKey", HexFormat.of().formatHex(key.generatePublicKey().getEncoded()));
            json.print(spec.commandLine().getOut(), doc);
            return ExitCodes.OK;
        }
    }

    @Command(name = "put", description = "Set KEY to VALUE in the sender's namespace.")
    static final class Put extends Signed {
        @Option(names = "--key", required = true, paramLabel = "KEY", description = "The key (UTF-8).")
        String key;

        @Option(names = "--value", required = true, paramLabel = "VALUE", description = "The value (UTF-8).")
        String value;

        @Override
        Op op() {
            return new Op.Put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Command(name = "delete", description = "Delete KEY from the sender's namespace.")
    static final class Delete extends Signed {
        @Option(names = "--key", required = true, paramLabel = "KEY", description = "The key (UTF-8).")
        String key;

        @Override
        Op op() {
            return new Op.Delete(key.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Command(name = "transfer", description = "Move AMOUNT from the sender's account to another.")
    static final class Transfer extends Signed {
        @Option(names = "--to", required = true, paramLabel = "PUBKEY", description = "The receiver's Ed25519 public key (hex).")
        String to;

        @Option(names = "--amount", required = true, paramLabel = "N", description = "How much (positive).")
        long amount;

        @Override
        Op op() {
            byte[] pk;
            try {
                pk = HexFormat.of().parseHex(to);
            } catch (IllegalArgumentException e) {
                throw CommandFailure.usage("--to must be hex");
            }
            if (pk.length != 32) {
                throw CommandFailure.usage("--to must be a 32-byte Ed25519 public key, got " + pk.length + " bytes");
            }
            if (amount <= 0) {
                throw CommandFailure.usage("--amount must be positive, got " + amount);
            }
            return new Op.Transfer(pk, amount);
        }
    }

    @Command(name = "status", description = "The status of a transaction: pending, committed (with its height) or unknown.")
    static final class Status extends Client {
        @Option(names = "--hash", required = true, paramLabel = "HASH", description = "The transaction hash (hex).")
        String hash;

        @Option(names = "--key-file", paramLabel = "FILE", description = "Not needed; accepted for symmetry with the other subcommands.")
        Path keyFile;

        @Override
        public Integer call() {
            if (!hash.matches("(0x)?[0-9a-fA-F]{64}")) {
                throw CommandFailure.usage("--hash must be a transaction hash: 32 bytes as hex, got '" + hash + "'");
            }
            JsonNode r = get("/v1/tx/" + hash.replaceFirst("^0x", "").toLowerCase(java.util.Locale.ROOT));
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("hash", r.path("hash").asText());
            doc.put("status", r.path("status").asText());
            if (r.has("height")) {
                doc.put("height", r.path("height").asLong());
            }
            print(doc);
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", description = "Read KEY of an owner's namespace and check the node's Merkle proof here before printing it.")
    static final class Get extends Client {
        @Option(names = "--key-file", paramLabel = "FILE", description = "The owner's key file (the owner defaults to its public key).")
        Path keyFile;

        @Option(names = "--owner", paramLabel = "PUBKEY", description = "The owner's Ed25519 public key (hex), instead of --key-file.")
        String owner;

        @Option(names = "--key", required = true, paramLabel = "KEY", description = "The key (UTF-8).")
        String key;

        @Override
        public Integer call() {
            byte[] ownerKey;
            if (owner != null) {
                if (!owner.matches("(0x)?[0-9a-fA-F]{64}")) {
                    throw CommandFailure.usage("--owner must be an Ed25519 public key: 32 bytes as hex, got '" + owner + "'");
                }
                ownerKey = HexFormat.of().parseHex(owner.replaceFirst("^0x", ""));
            } else if (keyFile != null) {
                ownerKey = readKey(keyFile).generatePublicKey().getEncoded();
            } else {
                throw CommandFailure.usage("give --key-file or --owner");
            }
            byte[] stateKey = LedgerApp.kvKey(ownerKey, key.getBytes(StandardCharsets.UTF_8));
            JsonNode r = get("/v1/state/" + HexFormat.of().formatHex(stateKey));
            byte[] value = r.path("value").isNull() ? null : HexFormat.of().parseHex(r.path("value").asText());
            byte[] root = HexFormat.of().parseHex(r.path("stateRoot").asText());
            boolean verified;
            try {
                verified = StateProof.verify(root, stateKey, value, StateProof.decode(HexFormat.of().parseHex(r.path("proof").asText())));
            } catch (StateProof.MalformedProofException | IllegalArgumentException e) {
                verified = false;
            }
            if (!verified) {
                throw CommandFailure.failure("node " + node + " answered a proof that does not verify against its state root "
                        + r.path("stateRoot").asText() + ": the value is not shown");
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("key", key);
            doc.put("value", value == null ? null : new String(value, StandardCharsets.UTF_8));
            doc.put("present", value != null);
            doc.put("proofVerified", true);
            doc.put("stateRoot", r.path("stateRoot").asText());
            doc.put("height", r.path("height").asLong());
            doc.put("note", "the proof was checked here against the state root the node named; that root is not yet certified by a QC in this answer");
            print(doc);
            return ExitCodes.OK;
        }
    }
}
