package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.crypto.SecretSigner;
import io.backplane.node.consensus.crypto.SimulatedSignatures;
import io.backplane.node.consensus.liveness.RoundRobinElection;
import io.backplane.node.consensus.liveness.RoundRobinLeaderSchedule;
import io.backplane.node.consensus.round.ConsensusEvent.LedgerProgress;
import io.backplane.node.consensus.round.ConsensusEvent.MessageReceived;
import io.backplane.node.consensus.safety.CertificateVerifier;
import io.backplane.node.consensus.safety.InMemoryGuardedSigner;
import io.backplane.node.consensus.safety.SafetyRules;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Four honest round managers on an in-test FIFO network, each handing its commits to a bounded queue whose "executor
 * thread" the test drives (a seeded number of blocks at seeded moments, then {@link LedgerProgress}): the back-pressure
 * rule (a full hand-off stops a node's proposals, never its votes) and the exactly-once, in-order hand-off, also across a
 * crash and a restart from the node's {@link BlockStore}, which loads the uncommitted tail and a bounded window, never
 * the whole chain.
 */
class LedgerHandoffTest {
    private static final int N = 4;
    private static final long SEED = Long.getLong("backplane.seed", 12L);

    private final SimulatedSignatures scheme = new SimulatedSignatures();
    private final SecretSigner[] keys = new SecretSigner[N];
    private final InMemoryGuardedSigner[] guards = new InMemoryGuardedSigner[N];
    private final InMemoryBlockStore[] stores = new InMemoryBlockStore[N];
    private final QueueLedger[] ledgers = new QueueLedger[N];
    private final RoundManager[] nodes = new RoundManager[N];
    private final int[] incarnation = new int[N];
    private final Deque<Runnable> network = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private final Random rng = new Random(SEED);
    private final ValidatorSet validators;
    private final QuorumCrypto crypto;
    private EpochConfig epochs;
    private long now;
    private long timerSeq;
    /** Proposals node 0 broadcast while its hand-off was full or had blocks waiting (must stay 0). */
    private int proposalsWhileFull;

    private record Timer(long due, long seq, int node, int incarnation, ConsensusEvent event) {
    }

    /** The node's bounded queue in front of the ledger, and the ledger's durable executed chain. */
    static final class QueueLedger implements LedgerHandoff {
        final int capacity;
        final Deque<Block> queue = new ArrayDeque<>();
        final List<Block> executed = new ArrayList<>();
        int outOfOrder;

        QueueLedger(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public long acceptedHeight() {
            return executed.size() + queue.size();
        }

        @Override
        public int remainingCapacity() {
            return capacity - queue.size();
        }

        @Override
        public void accept(Block block, long height) {
            if (height != acceptedHeight() + 1 || queue.size() >= capacity) {
                outOfOrder++;
            }
            queue.addLast(block);
        }

        /** The executor thread takes up to {@code k} blocks; returns how many. */
        int drain(int k) {
            int n = 0;
            while (n < k && !queue.isEmpty()) {
                executed.add(queue.pollFirst());
                n++;
            }
            return n;
        }

        /** A crash: the queue (memory) is lost, what was executed is durable. */
        void crash() {
            queue.clear();
        }
    }

    LedgerHandoffTest() {
        List<Validator> vs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            keys[i] = scheme.keyFromSeed(new byte[] {(byte) i, 9, 9, 9});
            vs.add(new Validator(keys[i].publicKey(), 1, keys[i].proofOfPossession()));
        }
        validators = new ValidatorSet(1, vs);
        crypto = scheme.forValidators(validators);
    }

    private void setUp(int[] capacities) {
        for (int i = 0; i < N; i++) {
            guards[i] = new InMemoryGuardedSigner(keys[i]);
            stores[i] = new InMemoryBlockStore();
            ledgers[i] = new QueueLedger(capacities[i]);
            boot(i, stores[i]);
        }
    }

    private void boot(int i, BlockStore store) {
        incarnation[i]++;
        int inc = incarnation[i];
        Outbound out = new Outbound() {
            @Override
            public void send(int to, ConsensusMessage m) {
                network.addLast(() -> deliver(i, to, m));
            }

            @Override
            public void broadcast(ConsensusMessage m) {
                if (i == 0 && m instanceof Proposal && (ledgers[0].remainingCapacity() <= 0 || nodes[0].view().handedOffHeight() < nodes[0].committedHeight())) {
                    proposalsWhileFull++;
                }
                for (int j = 0; j < N; j++) {
                    if (j != i) {
                        int to = j;
                        network.addLast(() -> deliver(i, to, m));
                    }
                }
            }
        };
        RoundManager.Builder b = RoundManager.builder(i, validators, crypto, new SafetyRules(guards[i], i, new CertificateVerifier(validators, crypto)))
                .outbound(out)
                .timers((delay, ev) -> timers.add(new Timer(now + delay, timerSeq++, i, inc, ev)))
                .clock(() -> now)
                .payloads(r -> ("n" + i + "/r" + r).getBytes(StandardCharsets.US_ASCII))
                .blockStore(store)
                .ledger(ledgers[i])
                .config(new ConsensusConfig(200, 3, 4096, 64));
        nodes[i] = (epochs == null ? b.leaders(new RoundRobinLeaderSchedule(N)) : b.scheduleEpochs(epochs)).build();
        nodes[i].start();
    }

    private void deliver(int from, int to, ConsensusMessage m) {
        if (nodes[to] != null && nodes[from] != null) {
            nodes[to].handle(new MessageReceived(from, m));
        }
    }

    /** Runs until {@code done} or the step budget; each step one message (or, with none in flight, the next timer). */
    private void runUntil(java.util.function.BooleanSupplier done, boolean drainNode0) {
        for (int step = 0; step < 400_000 && !done.getAsBoolean(); step++) {
            if (!network.isEmpty()) {
                network.pollFirst().run();
            } else if (!timers.isEmpty()) {
                Timer t = timers.poll();
                now = Math.max(now, t.due);
                if (nodes[t.node] != null && incarnation[t.node] == t.incarnation) {
                    nodes[t.node].handle(t.event);
                }
            } else {
                break;
            }
            if (rng.nextInt(8) == 0) {
                for (int i = 0; i < N; i++) {
                    if (nodes[i] != null && (i != 0 || drainNode0) && ledgers[i].drain(rng.nextInt(4)) > 0) {
                        nodes[i].handle(new LedgerProgress());
                    }
                }
            }
        }
    }

    private long minHeight(int... who) {
        long h = Long.MAX_VALUE;
        for (int i : who) {
            h = Math.min(h, nodes[i].committedHeight());
        }
        return h;
    }

    private void drainAll() {
        for (int i = 0; i < N; i++) {
            while (ledgers[i].drain(Integer.MAX_VALUE) > 0) {
                nodes[i].handle(new LedgerProgress());
            }
        }
    }

    /** Every ledger executed heights 1..H exactly once, parent-linked from genesis, and all agree height by height. */
    private void assertLedgersAgreeAndAreGapFree() {
        for (int i = 0; i < N; i++) {
            QueueLedger l = ledgers[i];
            assertThat(l.outOfOrder).as("node %d: a block handed out of order, twice, or over capacity", i).isZero();
            assertThat(l.executed.size()).as("node %d executed everything it committed", i).isEqualTo(nodes[i].committedHeight());
            BlockId parent = Block.genesis(1).id();
            for (Block b : l.executed) {
                assertThat(b.parentId()).as("node %d: parent-linked, no gap, no repeat", i).isEqualTo(parent);
                parent = b.id();
            }
            int common = Math.min(l.executed.size(), ledgers[0].executed.size());
            assertThat(l.executed.subList(0, common)).extracting(Block::id)
                    .as("node %d agrees with node 0", i).containsExactlyElementsOf(ledgers[0].executed.subList(0, common).stream().map(Block::id).toList());
        }
    }

    @Test
    void aFullHandOffStopsTheNodeProposingButNotVotingAndItProposesAgainOnceTheLedgerCatchesUp() {
        setUp(new int[] {2, 64, 64, 64});
        runUntil(() -> minHeight(1, 2, 3) >= 40, false);
        assertThat(minHeight(1, 2, 3)).as("the others commit without node 0's proposals").isGreaterThanOrEqualTo(40);
        RoundManager n0 = nodes[0];
        assertThat(ledgers[0].queue).as("node 0's executor took nothing: its queue is full").hasSize(2);
        assertThat(n0.view().handedOffHeight()).isEqualTo(2);
        assertThat(n0.committedHeight()).as("node 0 still votes and commits (the blocks wait in its store)").isGreaterThan(30);
        assertThat(n0.view().proposingPaused()).isTrue();
        assertThat(n0.view().counter(ConsensusCounter.PROPOSE_LEDGER_FULL)).as("it was leader and held back").isPositive();
        assertThat(proposalsWhileFull).as("no proposal from node 0 while its hand-off was full").isZero();
        long votesWhileFull = n0.view().counter(ConsensusCounter.VOTES_CAST);
        assertThat(votesWhileFull).as("node 0 kept voting").isGreaterThan(30);
        long proposedBefore = n0.view().counter(ConsensusCounter.PROPOSALS_MADE);

        // The executor thread catches up: node 0 gets every committed block, in order, once, and leads again.
        long target = minHeight(0, 1, 2, 3) + 20;
        runUntil(() -> minHeight(0, 1, 2, 3) >= target, true);
        drainAll();
        assertThat(n0.view().proposingPaused()).isFalse();
        assertThat(n0.view().counter(ConsensusCounter.PROPOSALS_MADE)).as("node 0 proposes again").isGreaterThan(proposedBefore);
        assertThat(proposalsWhileFull).isZero();
        assertLedgersAgreeAndAreGapFree();
    }

    /** A store that counts the committed blocks a start reads. */
    static final class CountingStore extends ForwardingBlockStore {
        long committedRead;

        CountingStore(InMemoryBlockStore inner) {
            super(inner);
        }

        @Override
        public List<Block> committedRange(long fromHeight, long toHeight) {
            List<Block> r = inner.committedRange(fromHeight, toHeight);
            committedRead += r.size();
            return r;
        }
    }

    @Test
    void everyCommittedBlockReachesTheLedgerOnceInOrderAcrossARestartThatReadsABoundedWindowOfTheStore() {
        epochs = new EpochConfig(5, new RoundRobinElection(), 4);
        setUp(new int[] {8, 8, 8, 8});
        runUntil(() -> minHeight(0, 1, 2, 3) >= 80, true);
        assertThat(minHeight(0, 1, 2, 3)).isGreaterThanOrEqualTo(80);
        // The node's retention policy: committed blocks the ledger executed, minus a margin for slow peers, are pruned.
        for (int i = 0; i < N; i++) {
            stores[i].pruneBelow(ledgers[i].executed.size() - 30);
        }

        // Node 1 crashes: its queue is lost, its store and executed ledger survive; the others go on.
        nodes[1] = null;
        ledgers[1].crash();
        long executedAtCrash = ledgers[1].executed.size();
        long committedAtCrash = stores[1].load().committedHeight();
        assertThat(committedAtCrash).as("some committed blocks never reached its ledger").isGreaterThan(executedAtCrash);
        runUntil(() -> minHeight(0, 2, 3) >= committedAtCrash + 25, true);

        CountingStore counting = new CountingStore(stores[1]);
        boot(1, counting);
        long window = 2 * 5 + 4 + 2;
        assertThat(counting.committedRead).as("a start reads the schedule window and what the ledger lacks, not the chain of " + committedAtCrash)
                .isLessThanOrEqualTo(window + (committedAtCrash - executedAtCrash));
        assertThat(committedAtCrash).isGreaterThan(counting.committedRead + 30);
        assertThat(nodes[1].committedHeight()).isEqualTo(committedAtCrash);

        long target = minHeight(0, 2, 3) + 30;
        runUntil(() -> minHeight(0, 1, 2, 3) >= target, true);
        assertThat(minHeight(0, 1, 2, 3)).as("node 1 caught up through blocks its peers serve from their stores").isGreaterThanOrEqualTo(target);
        drainAll();
        assertLedgersAgreeAndAreGapFree();
    }
}
