package io.backplane.node.consensus.round;

import io.backplane.node.consensus.liveness.LeaderSchedule;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Who leads a round, as the round manager asks it: one object for both ways of choosing, so the protocol code has no
 * branch on which one is in use. {@link #fixed} asks a {@link LeaderSchedule} of (epoch, round) and carries no schedule
 * in blocks; {@link #committed} follows the schedules committed on each chain ({@link ScheduleChain}), so the answer
 * depends on the parent block, which must be known.
 */
public interface LeaderSource {
    /** The leader of {@code round} for a block extending {@code parent}; empty: undecided (abstain). */
    OptionalInt leader(long round, BlockId parent);

    /** Whether {@link #leader} needs {@code parent} in the block tree (true: checks wait until the parent is here). */
    boolean needsParent();

    /** What a block proposed in {@code round} on {@code parent} (certified by {@code qc}) must carry; empty: undecided. */
    Optional<List<Integer>> nextSchedule(long round, Block parent, QuorumCert qc);

    /** Whether {@code b} carries the schedule its chain calls for ({@code parent} known). */
    ScheduleChain.Check check(Block b, Block parent);

    /** A block entered the tree on top of {@code parent}. */
    void inserted(Block b, Block parent);

    /** Forget what nothing above the committed {@code root} can use. */
    void pruneBelow(Block root);

    /** How many committed blocks, ending at the committed tip, {@link #restore} wants after a restart (0: none). */
    int restoreWindow();

    /** After a restart: the last committed blocks (oldest first, ending at the tip; the first one's parent is genesis when {@code fromGenesis}). */
    void restore(List<Block> committedWindow, boolean fromGenesis);

    /** Leaders from {@code schedule}; blocks carry no schedule. */
    static LeaderSource fixed(long epoch, LeaderSchedule schedule) {
        return new LeaderSource() {
            @Override
            public OptionalInt leader(long round, BlockId parent) {
                return schedule.leader(epoch, round);
            }

            @Override
            public boolean needsParent() {
                return false;
            }

            @Override
            public Optional<List<Integer>> nextSchedule(long round, Block parent, QuorumCert qc) {
                return Optional.of(List.of());
            }

            @Override
            public ScheduleChain.Check check(Block b, Block parent) {
                return ScheduleChain.Check.OK;
            }

            @Override
            public void inserted(Block b, Block parent) {
            }

            @Override
            public void pruneBelow(Block root) {
            }

            @Override
            public int restoreWindow() {
                return 0;
            }

            @Override
            public void restore(List<Block> committedWindow, boolean fromGenesis) {
            }
        };
    }

    /** Leaders from the schedules committed per chain, starting at {@code genesis}. */
    static Committed committed(EpochConfig epochs, ValidatorSet validators, Block genesis) {
        return new Committed(new ScheduleChain(epochs, validators, genesis));
    }

    /** {@link LeaderSource} over a {@link ScheduleChain}. */
    final class Committed implements LeaderSource {
        private final ScheduleChain chain;

        Committed(ScheduleChain chain) {
            this.chain = chain;
        }

        @Override
        public OptionalInt leader(long round, BlockId parent) {
            return chain.leader(round, parent);
        }

        @Override
        public boolean needsParent() {
            return true;
        }

        @Override
        public Optional<List<Integer>> nextSchedule(long round, Block parent, QuorumCert qc) {
            return chain.expected(round, parent, qc);
        }

        @Override
        public ScheduleChain.Check check(Block b, Block parent) {
            return chain.check(b, parent);
        }

        @Override
        public void inserted(Block b, Block parent) {
            chain.inserted(b, parent);
        }

        @Override
        public void pruneBelow(Block root) {
            chain.pruneBelow(root.id(), root.round());
        }

        @Override
        public int restoreWindow() {
            return chain.restoreWindow();
        }

        @Override
        public void restore(List<Block> committedWindow, boolean fromGenesis) {
            chain.restore(committedWindow, fromGenesis);
        }
    }
}
