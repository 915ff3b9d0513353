package io.backplane.node.runtime;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.backplane.node.consensus.crypto.BlsSignatureScheme;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What every box of a network starts from: the chain id, the epoch length, the validators (index = position in the
 * list), the governance keys (Ed25519, hex) with their threshold, the initial account balances (Ed25519 public key
 * hex to amount) and the leader-election plugin, if one. {@link #validate} checks every proof of possession, so a genesis file that was read is one a node
 * can run.
 */
public record Genesis(@JsonProperty("chainId") String chainId, @JsonProperty("epochLength") int epochLength,
                      @JsonProperty("validators") List<ValidatorRecord> validators,
                      @JsonProperty("governanceKeys") List<String> governanceKeys,
                      @JsonProperty("governanceThreshold") int governanceThreshold,
                      @JsonProperty("accounts") Map<String, Long> accounts,
                      @JsonProperty("leaderElection") LeaderElectionPlugin leaderElection) {
    /**
     * The leader-election plugin every validator runs from the first epoch (DESIGN.md §5): its id, version and the
     * SHA-256 of its jar. A node whose jar has another digest does not run (it never runs another algorithm in its
     * place). Absent: the built-in round robin.
     */
    public record LeaderElectionPlugin(@JsonProperty("id") String id, @JsonProperty("version") String version,
                                       @JsonProperty("jarSha256") String jarSha256) {
        public LeaderElectionPlugin {
            if (id == null || id.isBlank() || version == null || version.isBlank() || jarSha256 == null || !jarSha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("genesis: leaderElection needs an id, a version and the jar's SHA-256 (64 hex digits)");
            }
        }
    }

    /** A genesis with the built-in round-robin leader election. */
    public Genesis(String chainId, int epochLength, List<ValidatorRecord> validators, List<String> governanceKeys, int governanceThreshold,
                   Map<String, Long> accounts) {
        this(chainId, epochLength, validators, governanceKeys, governanceThreshold, accounts, null);
    }

    /** The consensus epoch of the genesis validator set. */
    public static final long EPOCH = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public Genesis {
        validators = validators == null ? List.of() : List.copyOf(validators);
        governanceKeys = governanceKeys == null ? List.of() : List.copyOf(governanceKeys);
        accounts = accounts == null ? Map.of() : normalized(accounts);
        validators = validators.stream().map(v -> new ValidatorRecord(v.id(), v.listen(), v.client(), lowerHex(v.identityPublicKey()),
                lowerHex(v.blsPublicKey()), lowerHex(v.proofOfPossession()), v.stake())).toList();
        governanceKeys = governanceKeys.stream().map(Genesis::lowerHex).toList();
    }

    /** Hex as the genesis keeps it: lower case, no {@code 0x}; so that one key cannot pass as two. */
    public static String lowerHex(String hex) {
        String h = hex == null ? null : hex.startsWith("0x") ? hex.substring(2) : hex;
        return h == null ? null : h.toLowerCase(java.util.Locale.ROOT);
    }

    private static Map<String, Long> normalized(Map<String, Long> accounts) {
        Map<String, Long> out = new LinkedHashMap<>();
        accounts.forEach((k, v) -> {
            if (out.put(lowerHex(k), v) != null) {
                throw new IllegalArgumentException("genesis: account " + k + " is listed twice");
            }
        });
        return out;
    }

    /** Checks the structure and every validator's proof of possession; throws naming the first problem. */
    public Genesis validate() {
        if (chainId == null || chainId.isBlank() || chainId.length() > 64) {
            throw new IllegalArgumentException("genesis: chainId must be 1..64 characters");
        }
        if (epochLength < 1) {
            throw new IllegalArgumentException("genesis: epochLength must be at least 1, got " + epochLength);
        }
        if (validators.isEmpty()) {
            throw new IllegalArgumentException("genesis: no validators");
        }
        Set<String> ids = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (ValidatorRecord v : validators) {
            if (!ids.add(v.id())) {
                throw new IllegalArgumentException("genesis: validator id '" + v.id() + "' appears twice");
            }
            if (!keys.add(v.blsPublicKey()) || !keys.add(v.identityPublicKey())) {
                throw new IllegalArgumentException("genesis: validator '" + v.id() + "' reuses another validator's key");
            }
            v.identityKey();
        }
        if (governanceThreshold < 0 || governanceThreshold > governanceKeys.size()
                || (!governanceKeys.isEmpty() && governanceThreshold < 1)) {
            throw new IllegalArgumentException("genesis: governanceThreshold must be 1.." + governanceKeys.size() + ", got " + governanceThreshold);
        }
        if (new HashSet<>(governanceKeys).size() != governanceKeys.size()) {
            throw new IllegalArgumentException("genesis: a governance key is listed twice");
        }
        for (String g : governanceKeys) {
            if (ValidatorRecord.hex(g, "governanceKeys").length != 32) {
                throw new IllegalArgumentException("genesis: governance key " + g + " is not a 32-byte Ed25519 public key");
            }
        }
        accounts.forEach((pk, balance) -> {
            if (ValidatorRecord.hex(pk, "accounts").length != 32 || balance == null || balance < 0) {
                throw new IllegalArgumentException("genesis: account " + pk + " must be a 32-byte Ed25519 key with a balance >= 0");
            }
        });
        ValidatorSet set = validatorSet();
        try {
            new BlsSignatureScheme().forValidators(set);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            for (int i = 0; i < validators.size(); i++) {
                if (msg != null && msg.startsWith("validator " + i + ":")) {
                    throw new IllegalArgumentException("genesis: validator '" + validators.get(i).id() + "'" + msg.substring(("validator " + i).length()));
                }
            }
            throw new IllegalArgumentException("genesis: " + msg);
        }
        return this;
    }

    public ValidatorSet validatorSet() {
        List<Validator> vs = new ArrayList<>();
        for (ValidatorRecord v : validators) {
            vs.add(new Validator(v.blsKey(), v.stake(), v.pop()));
        }
        return new ValidatorSet(EPOCH, vs);
    }

    public OptionalInt indexOf(String id) {
        for (int i = 0; i < validators.size(); i++) {
            if (validators.get(i).id().equals(id)) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    /** SHA-256 of the canonical JSON: the identity of the network a node joins. */
    public byte[] hash() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(this));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Genesis read(Path file) {
        try {
            return JSON.readValue(Files.readAllBytes(file), Genesis.class).validate();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read genesis " + file + ": " + firstLine(e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(this));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static ValidatorRecord readRecord(Path file) {
        try {
            return JSON.readValue(Files.readAllBytes(file), ValidatorRecord.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read validator record " + file + ": " + firstLine(e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
