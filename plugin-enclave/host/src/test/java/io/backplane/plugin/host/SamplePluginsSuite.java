package io.backplane.plugin.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.plugin.api.FanoutPlan;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.LeaderSchedule;
import io.backplane.plugin.api.LedgerView;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.RoundRecord;
import io.backplane.plugin.api.Validator;
import io.backplane.plugin.api.Verdict;
import io.backplane.plugin.samples.DirectBroadcastRouting;
import io.backplane.plugin.samples.KaryTreeRouting;
import io.backplane.plugin.samples.PayloadNonceValidator;
import io.backplane.plugin.samples.ReputationLeaderElection;
import io.backplane.plugin.samples.RoundRobinLeaderElection;
import io.backplane.plugin.samples.StakeWeightedLeaderElection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One behavioural suite for the reference plugins, bound to every host (STYLE.md §5): in this JVM and in a sandboxed
 * enclave. Expected answers are worked out by hand or are statistical properties, never taken from the plugin.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SamplePluginsSuite {
    /** A client for the reference plugin {@code type}, of {@code kind}; the binding may reuse it across tests. */
    abstract PluginClient client(Class<?> type, PluginKind kind);

    private LeaderSchedule schedule(Class<?> type, LeaderElectionInput in) {
        return client(type, PluginKind.LEADER_ELECTION).leaderSchedule(in).orThrow();
    }

    private static Map<String, Integer> counts(List<String> leaders) {
        Map<String, Integer> c = new HashMap<>();
        leaders.forEach(l -> c.merge(l, 1, Integer::sum));
        return c;
    }

    @Test
    void roundRobinCyclesThroughValidatorsInOrder() {
        LeaderSchedule s = schedule(RoundRobinLeaderElection.class, Inputs.leader(6, 6, Inputs.validators(4), Inputs.seed(1), List.of()));
        assertThat(s.leaders()).containsExactly("v2", "v3", "v0", "v1", "v2", "v3");
    }

    @Test
    void stakeWeightedPicksInProportionToStakeAndDependsOnlyOnTheSeed() {
        List<Validator> vs = Inputs.validators(4); // stakes 1..4, total 10
        LeaderElectionInput in = Inputs.leader(0, 20_000, vs, Inputs.seed(2), List.of());
        LeaderSchedule s = schedule(StakeWeightedLeaderElection.class, in);
        Map<String, Integer> c = counts(s.leaders());
        for (int i = 0; i < 4; i++) {
            // Expected 2000 * stake; 5 standard deviations is under 300 for these sizes.
            assertThat(c.get("v" + i)).as("rounds led by v%d", i).isBetween(2000 * (i + 1) - 300, 2000 * (i + 1) + 300);
        }
        assertThat(schedule(StakeWeightedLeaderElection.class, in)).isEqualTo(s);
        LeaderSchedule other = schedule(StakeWeightedLeaderElection.class, Inputs.leader(0, 20_000, vs, Inputs.seed(3), List.of()));
        assertThat(other).isNotEqualTo(s);
    }

    @Test
    void reputationDemotesFailedProposersAndInactiveValidators() {
        List<Validator> vs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            vs.add(new Validator("v" + i, 10));
        }
        List<RoundRecord> history = new ArrayList<>();
        for (int r = 0; r < 40; r++) {
            int leader = r % 4; // v4 never leads nor votes: inactive
            boolean committed = leader != 0; // v0 always fails
            history.add(new RoundRecord(r, "v" + leader, committed, committed ? List.of("v1", "v2", "v3") : List.of()));
        }
        LeaderSchedule s = schedule(ReputationLeaderElection.class, Inputs.leader(40, 30_000, vs, Inputs.seed(4), history));
        Map<String, Integer> c = counts(s.leaders());
        // Weights: v1..v3 active 1000 each, v4 inactive 10, v0 failed 1 (stakes equal): shares 3000:10:1.
        assertThat(c.getOrDefault("v0", 0)).isLessThan(40);
        assertThat(c.getOrDefault("v4", 0)).isBetween(40, 200);
        for (String v : List.of("v1", "v2", "v3")) {
            assertThat(c.get(v)).isBetween(9_500, 10_500);
        }
    }

    @Test
    void validatorAcceptsConsecutiveNoncesAfterTheLedger() {
        Verdict v = client(PayloadNonceValidator.class, PluginKind.BLOCK_VALIDATOR).validate(
                Inputs.block(Inputs.tx("alice", 5, 10), Inputs.tx("bob", 0, 10), Inputs.tx("alice", 6, 10)),
                new LedgerView(Map.of("alice", 4L))).orThrow();
        assertThat(v).isEqualTo(Verdict.accept());
    }

    @Test
    void validatorRejectsANonceGapNamingTheTransaction() {
        Verdict v = client(PayloadNonceValidator.class, PluginKind.BLOCK_VALIDATOR).validate(
                Inputs.block(Inputs.tx("alice", 5, 10), Inputs.tx("alice", 7, 10)), new LedgerView(Map.of("alice", 4L))).orThrow();
        assertThat(v.accepted()).isFalse();
        assertThat(v.reason()).isEqualTo("transaction 1 from alice has nonce 7, expected 6");
    }

    @Test
    void validatorRejectsAnOversizedPayload() {
        Verdict v = client(PayloadNonceValidator.class, PluginKind.BLOCK_VALIDATOR).validate(
                Inputs.block(Inputs.tx("a", 0, 600_000), Inputs.tx("b", 0, 600_000)), new LedgerView(Map.of())).orThrow();
        assertThat(v.accepted()).isFalse();
        assertThat(v.reason()).isEqualTo("payload is 1200000 bytes, more than 1048576");
    }

    @Test
    void directBroadcastSendsFromTheOriginToEveryOtherNode() {
        FanoutPlan p = client(DirectBroadcastRouting.class, PluginKind.ROUTING).route(Inputs.routing(5, "n2")).orThrow();
        assertThat(p.forwards()).containsOnlyKeys("n2");
        assertThat(p.forwards().get("n2")).containsExactly("n0", "n1", "n3", "n4");
    }

    @Test
    void karyTreeReachesEveryNodeWithAtMostThreeSendsEach() {
        FanoutPlan p = client(KaryTreeRouting.class, PluginKind.ROUTING).route(Inputs.routing(40, "n5")).orThrow();
        assertThat(p.forwards().get("n5")).containsExactly("n6", "n7", "n8");
        assertThat(p.forwards().get("n6")).containsExactly("n9", "n10", "n11");
        assertThat(p.forwards().values()).allSatisfy(l -> assertThat(l).hasSizeLessThanOrEqualTo(3));
        // Each node is sent to exactly once and the origin never: a tree over the 40 nodes.
        List<String> targets = p.forwards().values().stream().flatMap(List::stream).toList();
        assertThat(targets).hasSize(39).doesNotHaveDuplicates().doesNotContain("n5");
        assertThat(Set.copyOf(targets)).hasSize(39);
    }
}
