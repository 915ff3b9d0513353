package io.backplane.node.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {
    private final List<Lane> drops = new ArrayList<>();
    private final OutboundQueue q = new OutboundQueue(3, 1 << 20, drops::add);

    private static byte[] b(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private List<String> drain() {
        List<String> out = new ArrayList<>();
        for (OutboundQueue.Message m; (m = q.poll()) != null; ) {
            out.add(m.lane() + ":" + new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void pollsByLanePriorityThenAge() {
        q.offer(Lane.BULK, b("b1"));
        q.offer(Lane.SYNC, b("s1"));
        q.offer(Lane.CONSENSUS, b("c1"));
        assertThat(drain()).containsExactly("CONSENSUS:c1", "SYNC:s1", "BULK:b1");
        assertThat(drops).isEmpty();
    }

    @Test
    void fullQueueShedsBulkThenSyncThenOldestConsensus() {
        q.offer(Lane.BULK, b("b1"));
        q.offer(Lane.SYNC, b("s1"));
        q.offer(Lane.BULK, b("b2"));
        q.offer(Lane.CONSENSUS, b("c1"));
        assertThat(drops).containsExactly(Lane.BULK);
        q.offer(Lane.CONSENSUS, b("c2"));
        assertThat(drops).containsExactly(Lane.BULK, Lane.BULK);
        q.offer(Lane.CONSENSUS, b("c3"));
        assertThat(drops).containsExactly(Lane.BULK, Lane.BULK, Lane.SYNC);
        q.offer(Lane.CONSENSUS, b("c4"));
        assertThat(drops).containsExactly(Lane.BULK, Lane.BULK, Lane.SYNC, Lane.CONSENSUS);
        assertThat(q.size()).isEqualTo(3);
        assertThat(drain()).containsExactly("CONSENSUS:c2", "CONSENSUS:c3", "CONSENSUS:c4");
    }

    @Test
    void lowerLaneMessageIsTheOneDroppedWhenEverythingQueuedOutranksIt() {
        q.offer(Lane.CONSENSUS, b("c1"));
        q.offer(Lane.SYNC, b("s1"));
        q.offer(Lane.SYNC, b("s2"));
        q.offer(Lane.BULK, b("b1"));
        assertThat(drops).containsExactly(Lane.BULK);
        assertThat(drain()).containsExactly("CONSENSUS:c1", "SYNC:s1", "SYNC:s2");
    }

    @Test
    void clearCountsEveryQueuedMessageAsDropped() {
        q.offer(Lane.CONSENSUS, b("c1"));
        q.offer(Lane.BULK, b("b1"));
        q.clear();
        assertThat(drops).containsExactlyInAnyOrder(Lane.CONSENSUS, Lane.BULK);
        assertThat(q.size()).isZero();
        assertThat(q.poll()).isNull();
    }

    @Test
    void byteBoundShedsAsManyLowerLaneMessagesAsItTakes() {
        OutboundQueue small = new OutboundQueue(100, 10, drops::add);
        small.offer(Lane.BULK, new byte[4]);
        small.offer(Lane.SYNC, new byte[4]);
        small.offer(Lane.BULK, new byte[2]);
        assertThat(small.bytes()).isEqualTo(10);
        small.offer(Lane.CONSENSUS, new byte[7]); // needs both bulk messages and the sync one gone
        assertThat(drops).containsExactly(Lane.BULK, Lane.BULK, Lane.SYNC);
        assertThat(small.bytes()).isEqualTo(7);
        small.offer(Lane.BULK, new byte[4]); // outranked by what is queued: the new one goes
        assertThat(drops).containsExactly(Lane.BULK, Lane.BULK, Lane.SYNC, Lane.BULK);
        small.offer(Lane.CONSENSUS, new byte[11]); // larger than the whole queue: dropped, nothing else shed
        assertThat(drops).containsExactly(Lane.BULK, Lane.BULK, Lane.SYNC, Lane.BULK, Lane.CONSENSUS);
        assertThat(small.size()).isEqualTo(1);
        assertThat(small.poll().payload()).hasSize(7);
        assertThat(small.bytes()).isZero();
    }
}
