package io.backplane.node.consensus.liveness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.liveness.ScheduleInput.HistoryEntry;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pacemaker's rounds and back-off, the round-robin rotations, and what makes two schedule inputs the same. */
class LivenessRulesTest {
    static final ValidatorSet VS = new ValidatorSet(1, List.of(new Validator(new byte[] {1}, 1), new Validator(new byte[] {2}, 1),
            new Validator(new byte[] {3}, 1), new Validator(new byte[] {4}, 1)));
    static final ValidatorSet OTHER = new ValidatorSet(1, List.of(new Validator(new byte[] {1}, 1), new Validator(new byte[] {2}, 1),
            new Validator(new byte[] {3}, 1), new Validator(new byte[] {5}, 1)));

    @Test
    void thePacemakerMovesOnlyToHigherRounds() {
        Pacemaker p = new Pacemaker(1000, 6);
        assertThat(p.advanceTo(3, true)).isTrue();
        assertThat(p.round()).isEqualTo(3);
        assertThat(p.advanceTo(3, false)).as("the same round").isFalse();
        assertThat(p.advanceTo(2, false)).as("a lower round").isFalse();
        assertThat(p.round()).isEqualTo(3);
        assertThat(p.currentTimeoutMs()).as("rejected moves count no timeout").isEqualTo(1000);
    }

    @Test
    void theTimeoutDoublesPerRoundEnteredByTimeoutUpToTheCapAndResetsOnProgress() {
        Pacemaker p = new Pacemaker(1000, 3);
        assertThat(p.currentTimeoutMs()).isEqualTo(1000);
        p.advanceTo(1, false);
        assertThat(p.currentTimeoutMs()).isEqualTo(2000);
        p.advanceTo(2, false);
        assertThat(p.currentTimeoutMs()).isEqualTo(4000);
        p.advanceTo(3, false);
        p.advanceTo(4, false);
        p.advanceTo(5, false);
        assertThat(p.currentTimeoutMs()).as("capped at 2^3").isEqualTo(8000);
        p.advanceTo(6, true);
        assertThat(p.currentTimeoutMs()).isEqualTo(1000);
    }

    @Test
    void thePacemakerNeedsAPositiveBaseTimeoutAndAnExponentCapOfZeroToTwenty() {
        assertThatThrownBy(() -> new Pacemaker(0, 6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pacemaker(1000, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Pacemaker(1000, 21)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Pacemaker(1, 0).currentTimeoutMs()).isEqualTo(1);
        Pacemaker wide = new Pacemaker(1, 20);
        for (long r = 1; r <= 25; r++) {
            wide.advanceTo(r, false);
        }
        assertThat(wide.currentTimeoutMs()).isEqualTo(1L << 20);
    }

    @Test
    void roundRobinNeedsAValidatorAndLeadsRoundRModN() {
        assertThatThrownBy(() -> new RoundRobinLeaderSchedule(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new RoundRobinLeaderSchedule(1).leader(1, 7)).hasValue(0);
        assertThat(new RoundRobinLeaderSchedule(4).leader(1, 7)).hasValue(3);
    }

    @Test
    void theRoundRobinElectionSchedulesTheSameRotationFromTheEpochsFirstRound() {
        ScheduleInput in = new ScheduleInput(2, 7, 5, VS, new byte[32], List.of());
        assertThat(new RoundRobinElection().schedule(in)).contains(List.of(3, 0, 1, 2, 3));
        RoundRobinLeaderSchedule rotation = new RoundRobinLeaderSchedule(4);
        for (int i = 0; i < 5; i++) {
            assertThat(rotation.leader(1, 7 + i)).hasValue(new RoundRobinElection().schedule(in).orElseThrow().get(i));
        }
    }

    @Test
    void aScheduleWindowIsAtLeastOneRound() {
        assertThatThrownBy(() -> new ScheduleInput(0, 1, 0, VS, new byte[32], List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ScheduleInput(0, 1, 1, VS, new byte[32], List.of()).windowLength()).isEqualTo(1);
    }

    @Test
    void twoScheduleInputsAreTheSameExactlyWhenEveryFieldIsIncludingTheSeedsBytes() {
        byte[] seed = new byte[32];
        seed[5] = 9;
        List<HistoryEntry> history = List.of(new HistoryEntry(3, 1, List.of(0, 1, 2)));
        ScheduleInput in = new ScheduleInput(2, 7, 3, VS, seed, history);
        ScheduleInput same = new ScheduleInput(2, 7, 3, VS, seed.clone(), List.of(new HistoryEntry(3, 1, List.of(0, 1, 2))));
        assertThat(in).isEqualTo(same);
        assertThat(in.hashCode()).isEqualTo(same.hashCode());
        byte[] otherSeed = seed.clone();
        otherSeed[0] = 1;
        assertThat(in).isNotEqualTo(new ScheduleInput(3, 7, 3, VS, seed, history));
        assertThat(in).isNotEqualTo(new ScheduleInput(2, 8, 3, VS, seed, history));
        assertThat(in).isNotEqualTo(new ScheduleInput(2, 7, 4, VS, seed, history));
        assertThat(in).isNotEqualTo(new ScheduleInput(2, 7, 3, OTHER, seed, history));
        assertThat(in).isNotEqualTo(new ScheduleInput(2, 7, 3, VS, otherSeed, history));
        assertThat(in).isNotEqualTo(new ScheduleInput(2, 7, 3, VS, seed, List.of()));
        assertThat(in).isNotEqualTo("not an input");
        assertThat(in.hashCode()).as("the hash covers the seed's bytes").isNotEqualTo(new ScheduleInput(2, 7, 3, VS, otherSeed, history).hashCode());
    }

    @Test
    void theSeedIsCopiedInAndOut() {
        byte[] seed = new byte[32];
        seed[0] = 4;
        ScheduleInput in = new ScheduleInput(2, 7, 3, VS, seed, List.of());
        seed[0] = 5;
        assertThat(in.seed()[0]).isEqualTo((byte) 4);
        in.seed()[0] = 6;
        assertThat(in.seed()).hasSize(32).startsWith((byte) 4);
    }
}
