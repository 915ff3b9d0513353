package io.backplane.plugin.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.plugin.api.BlockProposal;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.LedgerView;
import io.backplane.plugin.api.MessageClass;
import io.backplane.plugin.api.NodeInfo;
import io.backplane.plugin.api.RoundRecord;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.api.Transaction;
import io.backplane.plugin.api.Validator;
import io.backplane.plugin.api.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reference plugins called directly, against answers worked out independently of this code: by hand for
 * round-robin, validation and routing; for the seeded draws by a separate Python script over the documented rule
 * (SHA-256(seed || "backplane-leader" || round as 8 bytes big-endian), first 8 bytes unsigned, mod the total weight):
 * <pre>
 * d = sha256(bytes(range(32)) + b"backplane-leader" + struct.pack(">q", r)).digest(); x = int.from_bytes(d[:8], "big") % total
 * </pre>
 */
class SamplePluginsTest {
    private static final byte[] SEED = new byte[32];

    static {
        for (int i = 0; i < 32; i++) {
            SEED[i] = (byte) i;
        }
    }

    private static final List<Validator> VALIDATORS = List.of(new Validator("v0", 10), new Validator("v1", 20), new Validator("v2", 70));

    private static LeaderElectionInput input(int window, List<RoundRecord> history) {
        return new LeaderElectionInput(7, 100, window, VALIDATORS, SEED, history);
    }

    @Test
    void roundRobinStartsAtFirstRoundModN() {
        // 100 mod 3 = 1: v1, v2, v0, v1
        assertThat(new RoundRobinLeaderElection().schedule(input(4, List.of())).leaders()).containsExactly("v1", "v2", "v0", "v1");
    }

    @Test
    void stakeWeightedFollowsTheSeededDraws() {
        // weights 10, 20, 70 (total 100)
        assertThat(new StakeWeightedLeaderElection().schedule(input(6, List.of())).leaders()).containsExactly("v2", "v1", "v1", "v2", "v2", "v2");
    }

    @Test
    void stakeWeightedEqualsTheDocumentedDrawComputedIndependently() throws Exception {
        // The javadoc's rule, re-derived here without the plugin's code: the first 8 bytes of
        // SHA-256(seed || "backplane-leader" || round as 8 bytes big-endian), unsigned, modulo the total stake,
        // land in the cumulative stake intervals [0,10) v0, [10,30) v1, [30,100) v2.
        java.util.List<String> expected = new java.util.ArrayList<>();
        for (long round = 100; round < 130; round++) {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(SEED);
            sha.update("backplane-leader".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            sha.update(java.util.HexFormat.of().parseHex(String.format("%016x", round)));
            byte[] h = sha.digest();
            java.math.BigInteger v = new java.math.BigInteger(1, java.util.Arrays.copyOf(h, 8)).mod(java.math.BigInteger.valueOf(100));
            int x = v.intValueExact();
            expected.add(x < 10 ? "v0" : x < 30 ? "v1" : "v2");
        }
        assertThat(new StakeWeightedLeaderElection().schedule(input(30, List.of())).leaders()).containsExactlyElementsOf(expected);
    }

    @Test
    void reputationWeighsActiveInactiveAndFailedProposers() {
        // No history: everyone inactive, weights 10 x stake = 100, 200, 700.
        assertThat(new ReputationLeaderElection().schedule(input(8, List.of())).leaders())
                .containsExactly("v2", "v0", "v1", "v2", "v0", "v2", "v2", "v0");
        // v0 led 3 rounds and failed 1 (33% > 10%): weight 1 x 10 = 10; v1 and v2 voted: 1000 x stake = 20000, 70000.
        List<RoundRecord> history = List.of(new RoundRecord(97, "v0", true, List.of("v1")), new RoundRecord(98, "v0", false, List.of()),
                new RoundRecord(99, "v0", true, List.of("v2")));
        assertThat(new ReputationLeaderElection().schedule(input(8, history)).leaders())
                .containsExactly("v2", "v1", "v2", "v2", "v1", "v2", "v2", "v2");
    }

    @Test
    void theValidatorEnforcesNonceOrderPerSenderAndThePayloadCap() {
        PayloadNonceValidator v = new PayloadNonceValidator();
        LedgerView ledger = new LedgerView(Map.of("alice", 4L));
        byte[] body = {0, 1};
        assertThat(v.validate(new BlockProposal(3, "v0", List.of(new Transaction("alice", 5, body), new Transaction("bob", 0, body),
                new Transaction("alice", 6, body))), ledger)).isEqualTo(Verdict.accept()); // a sender new to the ledger starts at 0
        assertThat(v.validate(new BlockProposal(3, "v0", List.of(new Transaction("alice", 7, body))), ledger))
                .isEqualTo(Verdict.reject("transaction 0 from alice has nonce 7, expected 5"));
        assertThat(v.validate(new BlockProposal(3, "v0", List.of(new Transaction("bob", 0, body), new Transaction("bob", 0, body))), ledger))
                .isEqualTo(Verdict.reject("transaction 1 from bob has nonce 0, expected 1"));
        List<Transaction> many = new ArrayList<>();
        for (int i = 0; i < 10_001; i++) {
            many.add(new Transaction("s" + i, 0, body));
        }
        assertThat(v.validate(new BlockProposal(3, "v0", many), ledger)).isEqualTo(Verdict.reject("block has 10001 transactions, more than 10000"));
        BlockProposal big = new BlockProposal(3, "v0", List.of(new Transaction("alice", 5, new byte[(1 << 20) + 1])));
        assertThat(v.validate(big, ledger).accepted()).isFalse();
        assertThat(v.validate(big, ledger).reason()).startsWith("payload is ").endsWith("bytes, more than 1048576");
    }

    @Test
    void directBroadcastAndTheThreeAryTree() {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            nodes.add(new NodeInfo("n" + i, "eu"));
        }
        RoutingInput in = new RoutingInput(nodes, List.of(), "n2", MessageClass.PROPOSAL);
        assertThat(new DirectBroadcastRouting().plan(in).forwards()).isEqualTo(Map.of("n2", List.of("n0", "n1", "n3", "n4", "n5", "n6")));
        // Order rotated to start at the origin: n2 n3 n4 n5 n6 n0 n1; node i forwards to 3i+1..3i+3.
        assertThat(new KaryTreeRouting().plan(in).forwards()).isEqualTo(Map.of("n2", List.of("n3", "n4", "n5"), "n3", List.of("n6", "n0", "n1")));
    }
}
