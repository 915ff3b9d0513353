package io.backplane.node.net;

import static io.backplane.node.net.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.net.TestCluster.Received;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A validator that writes hand-made frames over a raw JDK TLS 1.3 socket (its real certificate, so it is
 * authenticated): what it sends wrong is counted and dropped, what it sends right still arrives, and too much wrong
 * cuts it off.
 */
@Timeout(60)
class MalformedFramesTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    /** A raw client speaking as validator {@code as}. */
    private static SSLSocket rawClient(TestCluster c, int as, InetSocketAddress to) throws Exception {
        SSLContext ctx = c.rawTls(as);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(to.getAddress(), to.getPort());
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        s.setSoTimeout(10_000);
        s.startHandshake();
        s.setSoTimeout(200); // then short reads: closedByPeer polls
        return s;
    }

    private static void frame(DataOutputStream out, int lane, String payload) throws IOException {
        byte[] p = payload.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(1 + p.length);
        out.writeByte(lane);
        out.write(p);
        out.flush();
    }

    /** True once the server has closed the connection (end of stream or a reset). */
    private static boolean closedByPeer(SSLSocket s) {
        try {
            InputStream in = s.getInputStream();
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void oversizeEmptyAndUnknownLaneFramesAreCountedAndDroppedWhileValidFramesStillArrive() throws Exception {
        try (TestCluster c = new TestCluster(2)) {
            PeerTransport zero = c.start(0);
            int max = c.config(0).maxFrameBytes();
            try (SSLSocket s = rawClient(c, 1, zero.localAddress())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                frame(out, Lane.CONSENSUS.code(), "before");
                // Oversize: the length says one byte over the cap, and that many bytes follow (skipped unread).
                out.writeInt(max + 1);
                out.writeByte(Lane.BULK.code());
                out.write(new byte[max]);
                frame(out, 3, "no such lane");
                frame(out, 0xff, "no such lane either");
                out.writeInt(0); // an empty body: not even a lane byte
                frame(out, Lane.SYNC.code(), "after");
                out.flush();
                assertThat(await(WAIT, () -> c.inbox(0).frames.size() == 2)).as(c.stats()).isTrue();
                assertThat(c.inbox(0).list()).containsExactly(new Received(1, Lane.CONSENSUS, "before"),
                        new Received(1, Lane.SYNC, "after"));
                assertThat(await(WAIT, () -> zero.stats().get(1).malformedFrames() == 4)).as(c.stats()).isTrue();
                assertThat(closedByPeer(s)).isFalse();
                frame(out, Lane.BULK.code(), "still here");
                assertThat(await(WAIT, () -> c.inbox(0).frames.size() == 3)).isTrue();
            }
        }
    }

    @Test
    void peerOverTheMalformedLimitIsCutOffAndRefusedForAWhile() throws Exception {
        try (TestCluster c = new TestCluster(2)) {
            TransportConfig b = c.config(0);
            Duration refusal = Duration.ofSeconds(5); // long enough that a loaded machine reconnects within it
            PeerTransport zero = c.start(new TransportConfig(0, b.listen(), b.peers(), b.maxFrameBytes(),
                    b.queueCapacity(), b.backoffMin(), refusal, "auto"), c.ids.get(0), c.inbox(0));
            try (SSLSocket s = rawClient(c, 1, zero.localAddress())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                for (int i = 0; i < TransportConfig.MALFORMED_LIMIT; i++) {
                    frame(out, 9, "bad " + i);
                }
                assertThat(await(WAIT, () -> zero.stats().get(1).malformedFrames() == TransportConfig.MALFORMED_LIMIT))
                        .isTrue();
                assertThat(closedByPeer(s)).as("at the limit the connection survives").isFalse();
                frame(out, 9, "one too many");
                assertThat(await(WAIT, () -> closedByPeer(s))).as("over the limit the connection is cut").isTrue();
            }
            // Reconnecting at once (well inside backoffMax) is refused after the handshake; nothing is delivered.
            try (SSLSocket again = rawClient(c, 1, zero.localAddress())) {
                try {
                    frame(new DataOutputStream(again.getOutputStream()), Lane.CONSENSUS.code(), "sneak");
                } catch (IOException expected) {
                    // already closed
                }
                assertThat(await(WAIT, () -> closedByPeer(again))).isTrue();
            }
            assertThat(c.inbox(0).frames).isEmpty();
            // After the refusal period the validator is welcome again.
            await(refusal.plusMillis(200), () -> false);
            try (SSLSocket later = rawClient(c, 1, zero.localAddress())) {
                frame(new DataOutputStream(later.getOutputStream()), Lane.CONSENSUS.code(), "welcome back");
                assertThat(await(WAIT, () -> c.inbox(0).frames.size() == 1)).isTrue();
                assertThat(c.inbox(0).list()).containsExactly(new Received(1, Lane.CONSENSUS, "welcome back"));
            }
        }
    }

    @Test
    void framesBufferedBehindTheOneOverTheLimitAreNotDelivered() throws Exception {
        try (TestCluster c = new TestCluster(2)) {
            PeerTransport zero = c.start(0);
            try (SSLSocket s = rawClient(c, 1, zero.localAddress())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                frame(out, Lane.SYNC.code(), "fine");
                assertThat(await(WAIT, () -> c.inbox(0).frames.size() == 1)).isTrue();
                java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
                DataOutputStream b = new DataOutputStream(burst);
                for (int i = 0; i <= TransportConfig.MALFORMED_LIMIT; i++) {
                    b.writeInt(0); // an empty body: not even a lane byte
                }
                frame(b, Lane.CONSENSUS.code(), "smuggled behind the limit");
                out.write(burst.toByteArray()); // one write: one TLS record
                out.flush();
                assertThat(await(WAIT, () -> closedByPeer(s))).as(c.stats()).isTrue();
                assertThat(zero.stats().get(1).malformedFrames()).isEqualTo(TransportConfig.MALFORMED_LIMIT + 1);
                await(Duration.ofMillis(200), () -> false);
                assertThat(c.inbox(0).list()).containsExactly(new Received(1, Lane.SYNC, "fine"));
            }
        }
    }

    @Test
    void aPeerOverTheConnectionCapLosesItsOldestConnectionNotTheNewOne() throws Exception {
        try (TestCluster c = new TestCluster(2)) {
            PeerTransport zero = c.start(0);
            java.util.List<SSLSocket> stale = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < TransportConfig.MAX_INBOUND_PER_PEER; i++) {
                    stale.add(rawClient(c, 1, zero.localAddress())); // left open, as by a peer that crashed
                }
                assertThat(await(WAIT, () -> zero.stats().get(1).inboundConnections()
                        == TransportConfig.MAX_INBOUND_PER_PEER)).isTrue();
                try (SSLSocket fresh = rawClient(c, 1, zero.localAddress())) {
                    frame(new DataOutputStream(fresh.getOutputStream()), Lane.CONSENSUS.code(), "back again");
                    assertThat(await(WAIT, () -> c.inbox(0).frames.size() == 1)).isTrue();
                    assertThat(c.inbox(0).list()).containsExactly(new Received(1, Lane.CONSENSUS, "back again"));
                    assertThat(await(WAIT, () -> closedByPeer(stale.get(0)))).as("the oldest is closed").isTrue();
                    assertThat(closedByPeer(stale.get(1))).isFalse();
                    assertThat(zero.stats().get(1).inboundConnections()).isEqualTo(TransportConfig.MAX_INBOUND_PER_PEER);
                }
            } finally {
                for (SSLSocket s : stale) {
                    s.close();
                }
            }
        }
    }
}
