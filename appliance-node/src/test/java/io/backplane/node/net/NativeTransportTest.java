package io.backplane.node.net;

import static io.backplane.node.net.TestCluster.await;
import static io.backplane.node.net.TestCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backplane.node.net.TestCluster.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same exchange over each socket transport this machine can load (a missing one is skipped, saying why). */
@Timeout(60)
class NativeTransportTest {
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void threeNodesExchangeAllLanesOverEachTransport(String kind) {
        String cause = NativeTransport.unavailabilityCause(kind);
        assumeTrue(cause == null, () -> kind + " is unavailable here: " + cause);
        try (TestCluster c = new TestCluster(3)) {
            for (int i = 0; i < 3; i++) {
                PeerTransport t = c.start(c.config(i, kind), c.ids.get(i), c.inbox(i));
                assertThat(t.nativeTransport()).isEqualTo(kind);
                assertThat(t.nativeTransportReason()).isEqualTo("demanded by configuration");
            }
            for (int i = 0; i < 3; i++) {
                for (Lane lane : Lane.values()) {
                    c.node(i).broadcast(lane, utf8(i + "/" + lane));
                }
            }
            for (int r = 0; r < 3; r++) {
                int receiver = r;
                assertThat(await(Duration.ofSeconds(15), () -> c.inbox(receiver).frames.size() == 6)).as(c.stats())
                        .isTrue();
                List<Received> expected = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    for (Lane lane : Lane.values()) {
                        if (i != r) {
                            expected.add(new Received(i, lane, i + "/" + lane));
                        }
                    }
                }
                assertThat(c.inbox(r).list()).containsExactlyInAnyOrderElementsOf(expected);
            }
        }
    }

    @Test
    void autoPrefersIoUringThenEpollAndSaysWhyItFellBack() {
        NativeTransport t = NativeTransport.choose("auto");
        String uring = NativeTransport.unavailabilityCause("io_uring");
        String epoll = NativeTransport.unavailabilityCause("epoll");
        if (uring == null) {
            assertThat(t.name()).isEqualTo("io_uring");
        } else if (epoll == null) {
            assertThat(t.name()).isEqualTo("epoll");
            assertThat(t.reason()).contains(uring);
        } else {
            assertThat(t.name()).isEqualTo("nio");
            assertThat(t.reason()).contains(uring).contains(epoll);
        }
    }

    @Test
    void demandedTransportThatCannotLoadRefusesToStartNamingTheCause() {
        String missing = NativeTransport.unavailabilityCause("io_uring") != null ? "io_uring"
                : NativeTransport.unavailabilityCause("epoll") != null ? "epoll" : null;
        assumeTrue(missing != null, "io_uring and epoll both load here: nothing unavailable to demand");
        assertThatThrownBy(() -> NativeTransport.choose(missing)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(missing).hasMessageContaining("unavailable");
    }
}
