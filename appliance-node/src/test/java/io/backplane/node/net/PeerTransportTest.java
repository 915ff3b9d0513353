package io.backplane.node.net;

import static io.backplane.node.net.TestCluster.await;
import static io.backplane.node.net.TestCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.net.TestCluster.Received;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The transport over real TLS 1.3 sockets on loopback. */
@Timeout(60)
class PeerTransportTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** How long "nothing arrives" is watched for, after a later frame on a working path has arrived. */
    private static final Duration QUIET = Duration.ofMillis(300);

    @Test
    void fourTransportsExchangeMessagesOnAllLanesWithTheSenderNamedByItsCertificate() {
        try (TestCluster c = new TestCluster(4)) {
            c.startAll();
            c.awaitConnected();
            for (int i = 0; i < 4; i++) {
                for (Lane lane : Lane.values()) {
                    c.node(i).broadcast(lane, utf8("from " + i + " on " + lane));
                }
            }
            for (int r = 0; r < 4; r++) {
                int receiver = r;
                assertThat(await(WAIT, () -> c.inbox(receiver).frames.size() == 9)).as(c.stats()).isTrue();
                List<Received> got = c.inbox(r).list();
                List<Received> expected = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    for (Lane lane : Lane.values()) {
                        if (i != r) {
                            expected.add(new Received(i, lane, "from " + i + " on " + lane));
                        }
                    }
                }
                assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
                int next = (r + 1) % 4;
                assertThat(await(WAIT, () -> c.node(receiver).stats().get(next).sent(Lane.CONSENSUS) == 1)).isTrue();
                PeerStats s = c.node(r).stats().get(next);
                assertThat(s.received(Lane.BULK)).isEqualTo(1);
                assertThat(s.dropped().values()).allMatch(d -> d == 0);
            }
            assertThat(c.node(0).nativeTransport()).isIn("io_uring", "epoll", "nio");
            assertThat(c.node(0).nativeTransportReason()).isNotBlank();
        }
    }

    @Test
    void sendToSelfIsDeliveredLocallyAndUnknownIndexIsRefused() {
        try (TestCluster c = new TestCluster(2)) {
            c.startAll();
            c.node(0).send(0, Lane.SYNC, utf8("me"));
            assertThat(await(WAIT, () -> c.inbox(0).frames.contains(new Received(0, Lane.SYNC, "me")))).isTrue();
            assertThatThrownBy(() -> c.node(0).send(7, Lane.SYNC, utf8("x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("validator 7");
            assertThatThrownBy(() -> c.node(0).send(1, Lane.SYNC, new byte[1 << 16]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frame limit");
        }
    }

    @Test
    void peerWhoseCertificateIsNotInTheDirectoryIsRefusedBothWays() {
        try (TestCluster c = new TestCluster(2)) {
            c.start(0);
            // An impostor listens at validator 1's address and claims to be validator 1 with a key nobody listed.
            TestIdentity rogue = TestIdentity.generate("impostor", 99);
            TestCluster.Recorder rogueInbox = new TestCluster.Recorder();
            PeerTransport impostor = PeerTransport.start(c.config(1), rogue.keyManagers(),
                    key -> OptionalInt.of(0), rogueInbox);
            try {
                for (int i = 0; i < 20; i++) {
                    impostor.send(0, Lane.CONSENSUS, utf8("forged " + i));
                    c.node(0).send(1, Lane.CONSENSUS, utf8("secret " + i));
                }
                assertThat(await(WAIT, () -> impostor.stats().get(0).reconnects() >= 2)).isTrue();
                assertThat(await(WAIT, () -> c.node(0).stats().get(1).reconnects() >= 2)).isTrue();
                assertThat(c.inbox(0).frames).isEmpty();
                assertThat(rogueInbox.frames).isEmpty();
                assertThat(c.node(0).stats().get(1).connected()).isFalse();
                assertThat(c.node(0).stats().get(1).inboundConnections()).isZero();
            } finally {
                impostor.close();
            }
            // The real validator 1 takes its address back: the same queue is delivered, and it gets through.
            c.start(1);
            c.node(1).send(0, Lane.CONSENSUS, utf8("genuine"));
            assertThat(await(WAIT, () -> c.inbox(0).frames.contains(new Received(1, Lane.CONSENSUS, "genuine"))))
                    .as(c.stats()).isTrue();
            assertThat(c.inbox(0).list()).allMatch(r -> !r.payload().startsWith("forged"));
            assertThat(await(WAIT, () -> c.inbox(1).frames.size() == 20)).as(c.stats()).isTrue();
        }
    }

    @Test
    void dialedPeerMustPresentTheDialedValidatorsCertificate() {
        try (TestCluster c = new TestCluster(3)) {
            c.start(2);
            // Node 0's address book points validator 1 at validator 2: 2 is genuine, but not the one dialed.
            Map<Integer, InetSocketAddress> wrong = new HashMap<>(c.addresses);
            wrong.put(1, c.addresses.get(2));
            TransportConfig base = c.config(0);
            TransportConfig misdirected = new TransportConfig(0, base.listen(), wrong, base.maxFrameBytes(),
                    base.queueCapacity(), base.backoffMin(), base.backoffMax(), "auto");
            PeerTransport zero = c.start(misdirected, c.ids.get(0), c.inbox(0));
            zero.send(1, Lane.CONSENSUS, utf8("for validator 1 only"));
            zero.send(2, Lane.CONSENSUS, utf8("for validator 2"));
            assertThat(await(WAIT, () -> c.inbox(2).frames.contains(new Received(0, Lane.CONSENSUS, "for validator 2"))))
                    .isTrue();
            assertThat(await(WAIT, () -> zero.stats().get(1).reconnects() >= 2)).isTrue();
            assertThat(zero.stats().get(1).connected()).isFalse();
            assertThat(c.inbox(2).list()).extracting(Received::payload).doesNotContain("for validator 1 only");
        }
    }

    @Test
    void peerThatStartsLateGetsWhatWasQueuedAfterReconnect() {
        try (TestCluster c = new TestCluster(2)) {
            c.start(0);
            for (Lane lane : Lane.values()) {
                c.node(0).send(1, lane, utf8("early " + lane));
            }
            assertThat(await(WAIT, () -> c.node(0).stats().get(1).reconnects() >= 3)).isTrue();
            assertThat(c.node(0).stats().get(1).queueDepth()).isEqualTo(3);
            c.start(1);
            assertThat(await(WAIT, () -> c.inbox(1).frames.size() == 3)).as(c.stats()).isTrue();
            assertThat(c.inbox(1).list()).containsExactly(new Received(0, Lane.CONSENSUS, "early CONSENSUS"),
                    new Received(0, Lane.SYNC, "early SYNC"), new Received(0, Lane.BULK, "early BULK"));
            assertThat(c.node(0).stats().get(1).connected()).isTrue();
            // Counted when the socket write completes, which may be noticed just after the peer has read it.
            assertThat(await(WAIT, () -> c.node(0).stats().get(1).sent().values().stream()
                    .mapToLong(Long::longValue).sum() == 3)).as(c.stats()).isTrue();
        }
    }

    @Test
    void peerThatRestartsGetsMessagesOnTheNewConnection() {
        try (TestCluster c = new TestCluster(2)) {
            c.startAll();
            c.awaitConnected();
            c.node(0).send(1, Lane.CONSENSUS, utf8("one"));
            assertThat(await(WAIT, () -> c.inbox(1).frames.size() == 1)).isTrue();
            c.node(1).close();
            assertThat(await(WAIT, () -> !c.node(0).stats().get(1).connected())).isTrue();
            c.start(1);
            c.node(0).send(1, Lane.CONSENSUS, utf8("two"));
            assertThat(await(WAIT, () -> c.inbox(1).frames.contains(new Received(0, Lane.CONSENSUS, "two"))))
                    .as(c.stats()).isTrue();
        }
    }

    @Test
    void blockedPeerReceivesAndDeliversNothingUntilUnblocked() {
        try (TestCluster c = new TestCluster(3)) {
            c.startAll();
            c.awaitConnected();
            c.node(0).block(Set.of(1));
            c.node(0).send(1, Lane.CONSENSUS, utf8("to 1 while blocked"));
            c.node(1).send(0, Lane.CONSENSUS, utf8("from 1 while blocked"));
            c.node(1).send(2, Lane.CONSENSUS, utf8("from 1 to 2"));
            c.node(0).send(2, Lane.CONSENSUS, utf8("from 0 to 2"));
            assertThat(await(WAIT, () -> c.inbox(2).frames.size() == 2)).isTrue();
            assertThat(await(WAIT, () -> c.node(1).stats().get(0).sent(Lane.CONSENSUS) == 1)).isTrue();
            await(QUIET, () -> false);
            assertThat(c.inbox(0).frames).isEmpty();
            assertThat(c.inbox(1).frames).isEmpty();
            assertThat(c.node(0).stats().get(1).dropped(Lane.CONSENSUS)).isEqualTo(1);

            c.node(0).block(Set.of());
            c.node(0).send(1, Lane.CONSENSUS, utf8("to 1 healed"));
            c.node(1).send(0, Lane.CONSENSUS, utf8("from 1 healed"));
            assertThat(await(WAIT, () -> c.inbox(1).frames.size() == 1 && c.inbox(0).frames.size() == 1)).isTrue();
            assertThat(c.inbox(1).list()).containsExactly(new Received(0, Lane.CONSENSUS, "to 1 healed"));
            assertThat(c.inbox(0).list()).containsExactly(new Received(1, Lane.CONSENSUS, "from 1 healed"));
        }
    }

    @Test
    void sendingToADeadPeerNeverBlocksShedsOldBulkFirstAndDeliversConsensusFirst() {
        try (TestCluster c = new TestCluster(2, 8)) {
            PeerTransport zero = c.start(0);
            long t0 = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                zero.send(1, Lane.BULK, utf8("bulk " + i));
            }
            for (int i = 0; i < 4; i++) {
                zero.send(1, Lane.CONSENSUS, utf8("vote " + i));
            }
            for (int i = 0; i < 10_000; i++) {
                zero.send(1, Lane.BULK, utf8("bulk " + (8 + i)));
            }
            zero.send(1, Lane.SYNC, utf8("sync 0"));
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(elapsedMs).as("10k sends to a dead peer").isLessThan(5_000);
            PeerStats s = zero.stats().get(1);
            assertThat(s.queueDepth()).isEqualTo(8);
            assertThat(s.dropped(Lane.CONSENSUS)).isZero();
            assertThat(s.dropped(Lane.SYNC)).isZero();
            assertThat(s.dropped(Lane.BULK)).isEqualTo(4 + 10_000 + 1);
            c.start(1);
            assertThat(await(WAIT, () -> c.inbox(1).frames.size() == 8)).as(c.stats()).isTrue();
            assertThat(c.inbox(1).list()).extracting(Received::payload).containsExactly("vote 0", "vote 1",
                    "vote 2", "vote 3", "sync 0", "bulk 10005", "bulk 10006", "bulk 10007");
        }
    }

    @Test
    void inboundHandlerThatThrowsIsCountedAndTheConnectionKeepsDelivering() {
        try (TestCluster c = new TestCluster(2)) {
            AtomicInteger calls = new AtomicInteger();
            List<String> kept = java.util.Collections.synchronizedList(new ArrayList<>());
            c.start(c.config(1), c.ids.get(1), (from, lane, payload) -> {
                calls.incrementAndGet();
                String s = new String(payload, java.nio.charset.StandardCharsets.UTF_8);
                if (s.startsWith("bad")) {
                    throw new IllegalStateException("handler bug on " + s);
                }
                kept.add(s);
            });
            c.start(0);
            c.node(0).send(1, Lane.SYNC, utf8("bad 1"));
            c.node(0).send(1, Lane.SYNC, utf8("good 1"));
            c.node(0).send(1, Lane.SYNC, utf8("bad 2"));
            c.node(0).send(1, Lane.SYNC, utf8("good 2"));
            assertThat(await(WAIT, () -> calls.get() == 4)).isTrue();
            assertThat(kept).containsExactly("good 1", "good 2");
            assertThat(c.node(1).stats().get(0).inboundErrors()).isEqualTo(2);
            assertThat(c.node(1).stats().get(0).inboundConnections()).isEqualTo(1);
        }
    }

    @Test
    void nioCanBeDemandedAndABadSettingIsRefusedByName() {
        try (TestCluster c = new TestCluster(2)) {
            TransportConfig b = c.config(0);
            PeerTransport t = c.start(new TransportConfig(0, b.listen(), b.peers(), b.maxFrameBytes(),
                    b.queueCapacity(), b.backoffMin(), b.backoffMax(), "nio"), c.ids.get(0), c.inbox(0));
            assertThat(t.nativeTransport()).isEqualTo("nio");
            assertThat(t.nativeTransportReason()).contains("demanded");
            c.start(1);
            t.send(1, Lane.BULK, utf8("over nio"));
            assertThat(await(WAIT, () -> c.inbox(1).frames.size() == 1)).isTrue();
            assertThatThrownBy(() -> new TransportConfig(0, b.listen(), b.peers(), b.maxFrameBytes(),
                    b.queueCapacity(), b.backoffMin(), b.backoffMax(), "dpdk"))
                    .hasMessageContaining("nativeTransport").hasMessageContaining("dpdk");
        }
    }

    @Test
    void listenOnPortZeroReportsTheBoundPort() {
        TestIdentity id = TestIdentity.generate("solo", 7);
        TransportConfig cfg = TransportConfig.defaults(0, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Map.of());
        try (PeerTransport t = PeerTransport.start(cfg, id.keyManagers(), k -> OptionalInt.empty(), (f, l, p) -> { })) {
            assertThat(t.localAddress().getPort()).isPositive();
            assertThat(t.stats()).isEmpty();
        }
    }

    @Test
    void addressInUseFailsStartNamingTheAddressAndCloseIsIdempotent() {
        try (TestCluster c = new TestCluster(2)) {
            PeerTransport zero = c.start(0);
            assertThatThrownBy(() -> PeerTransport.start(c.config(0), c.ids.get(0).keyManagers(), c.directory(),
                    c.inbox(0))).isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot listen on")
                    .hasMessageContaining(String.valueOf(c.addresses.get(0).getPort()));
            zero.close();
            zero.close();
            zero.send(1, Lane.BULK, utf8("after close: ignored"));
        }
    }
}
