package io.backplane.node.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.liveness.RoundRobinElection;
import io.backplane.node.consensus.liveness.ScheduleInput;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import io.backplane.node.sim.Fault;
import io.backplane.node.sim.SimConfig;
import io.backplane.node.sim.SimResult;
import io.backplane.node.sim.Simulation;
import io.backplane.plugin.api.BlockProposal;
import io.backplane.plugin.api.LedgerView;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.Transaction;
import io.backplane.plugin.host.Enclave;
import io.backplane.plugin.host.EnclaveHost;
import io.backplane.plugin.host.EnclaveSettings;
import io.backplane.plugin.host.FeatureFlags;
import io.backplane.plugin.host.PluginClient;
import io.backplane.plugin.host.PluginMetrics;
import io.backplane.plugin.host.SandboxProbe;
import io.backplane.plugin.samples.PayloadNonceValidator;
import io.backplane.plugin.samples.RoundRobinLeaderElection;
import io.backplane.plugin.samples.StakeWeightedLeaderElection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference leader-election and block-validator plugins, signed and loaded into real bubblewrap enclaves, behind
 * the consensus adapters, driving the simulated network; and a plugin whose enclave dies: that node abstains, the
 * others keep their quorum.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnclavePluginConsensusIT {
    @TempDir
    static Path dir;
    private EnclaveHost host;
    private SamplePluginJars jars;

    @BeforeAll
    void start() {
        SandboxProbe.Availability sandbox = SandboxProbe.probe();
        Assumptions.assumeTrue(sandbox.available(), () -> "bubblewrap cannot create namespaces here: " + sandbox.cause());
        jars = new SamplePluginJars(dir);
        // A long restart backoff, so that a killed enclave stays dead for the whole test.
        EnclaveSettings s = new EnclaveSettings(64, 2048, 600, Duration.ofSeconds(10), Duration.ofSeconds(20),
                Duration.ofSeconds(10), Duration.ofMinutes(10), Duration.ofMinutes(10), 3, false, true, 0, 16, 64);
        host = new EnclaveHost(s, sandbox, jars.authors, PluginMetrics.standalone(), FeatureFlags.allOn(), "sim", System::nanoTime);
    }

    @AfterAll
    void stop() {
        if (host != null) {
            host.close();
        }
    }

    private PluginClient load(String id, Class<?> entry, PluginKind kind) throws Exception {
        Path jar = jars.samplesJar();
        return host.load(jars.manifest(id, jar, entry, kind), jar);
    }

    static ValidatorSet validators(int n) {
        List<Validator> vs = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            vs.add(new Validator(new byte[] {(byte) i}, 1 + i));
        }
        return new ValidatorSet(1, vs);
    }

    @Test
    void theRoundRobinPluginInAnEnclaveAgreesWithTheBuiltInAndDrivesTheSimulation() throws Exception {
        try (PluginClient c = load("round-robin", RoundRobinLeaderElection.class, PluginKind.LEADER_ELECTION)) {
            PluginLeaderElection election = new PluginLeaderElection(c);
            for (long epoch = 0; epoch < 5; epoch++) {
                ScheduleInput in = new ScheduleInput(epoch, epoch * 7 + 1, 7, validators(4), new byte[32],
                        List.of(new ScheduleInput.HistoryEntry(3, 2, List.of(0, 1, 2))));
                assertThat(election.schedule(in)).isEqualTo(new RoundRobinElection().schedule(in));
            }
            assertThat(((Enclave) c.supervisor().endpoint()).pid()).isNotEqualTo(ProcessHandle.current().pid());
            for (long seed = 1; seed <= 3; seed++) {
                SimResult r = Simulation.run(SimConfig.of(4, 1, 40, EnumSet.allOf(Fault.class), seed).withElection(10, election));
                assertThat(r.failed()).as(r.describe()).isFalse();
                assertThat(r.committedBlocks()).isPositive();
            }
            assertThat(election.calls()).isGreaterThan(5);
            assertThat(election.undecided()).isZero();
        }
    }

    @Test
    void theStakeWeightedPluginKeepsSafetyAndLiveness() throws Exception {
        try (PluginClient c = load("stake-weighted", StakeWeightedLeaderElection.class, PluginKind.LEADER_ELECTION)) {
            PluginLeaderElection election = new PluginLeaderElection(c);
            for (long seed = 1; seed <= 3; seed++) {
                SimResult r = Simulation.run(SimConfig.of(4, 1, 40, EnumSet.of(Fault.DROPS, Fault.PARTITIONS), seed).withElection(8, election));
                assertThat(r.failed()).as(r.describe()).isFalse();
            }
            assertThat(election.undecided()).isZero();
        }
    }

    /** Each block's payload as one transaction of a sender used once (so the nonce rule accepts it). */
    static final Function<io.backplane.node.consensus.types.Block, BlockProposal> ONE_TX = b ->
            new BlockProposal(b.round(), PluginLeaderElection.id(b.author()), List.of(new Transaction("round-" + b.round() + "-" + b.author(), 0, b.payload())));

    @Test
    void aValidatorPluginThatDiesMakesItsNodeAbstainAndTheOthersKeepQuorum() throws Exception {
        try (PluginClient healthy = load("payload-nonce", PayloadNonceValidator.class, PluginKind.BLOCK_VALIDATOR);
             PluginClient dying = load("payload-nonce-dying", PayloadNonceValidator.class, PluginKind.BLOCK_VALIDATOR)) {
            PluginProposalValidator good = new PluginProposalValidator(healthy, ONE_TX, () -> new LedgerView(Map.of()));
            PluginProposalValidator dead = new PluginProposalValidator(dying, ONE_TX, () -> new LedgerView(Map.of()));
            // The plugin really decides: a nonce gap is rejected by the plugin in the enclave.
            assertThat(new PluginProposalValidator(healthy, b -> new BlockProposal(1, "v0", List.of(new Transaction("alice", 5, new byte[1]))),
                    () -> new LedgerView(Map.of("alice", 1L))).validate(io.backplane.node.consensus.types.Block.genesis(1)))
                    .isEqualTo(ProposalValidator.Verdict.REJECT);
            assertThat(dead.validate(io.backplane.node.consensus.types.Block.genesis(1))).isEqualTo(ProposalValidator.Verdict.ACCEPT);
            Enclave e = (Enclave) dying.supervisor().endpoint();
            ProcessHandle.of(e.pid()).ifPresent(p -> {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            });
            SimResult r = Simulation.run(SimConfig.of(4, 0, 30, EnumSet.noneOf(Fault.class), 7)
                    .withProposalValidators(i -> i == 0 ? dead : good));
            assertThat(r.failed()).as(r.describe()).isFalse();
            assertThat(r.committedBlocks()).isGreaterThan(10);
            assertThat(r.counters().get("abstain.validator-undecided")).as("node 0 abstained").isPositive();
            assertThat(dead.undecided()).isPositive();
            assertThat(good.undecided()).isZero();
        }
    }
}
