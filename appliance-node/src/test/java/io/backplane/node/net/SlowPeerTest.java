package io.backplane.node.net;

import static io.backplane.node.net.TestCluster.await;
import static io.backplane.node.net.TestCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.net.TestCluster.Received;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Validator 1 completes the TLS handshake and then never reads: node 0's writes to it stop at the channel's
 * writability, its queue stays bounded and sheds bulk, and node 0's traffic to validator 2 is not held up.
 */
@Timeout(60)
class SlowPeerTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void peerThatNeverReadsCostsOnlyItsOwnBoundedQueue() throws Exception {
        try (TestCluster c = new TestCluster(3, 16)) {
            SSLContext ctx = c.rawTls(1);
            try (SSLServerSocket stuck = (SSLServerSocket) ctx.getServerSocketFactory()
                    .createServerSocket(c.addresses.get(1).getPort(), 4, InetAddress.getLoopbackAddress())) {
                stuck.setNeedClientAuth(true);
                stuck.setReceiveBufferSize(64 * 1024);
                // Accepts (node 0 and node 2 both dial validator 1), handshakes, and never reads.
                List<Socket> held = new CopyOnWriteArrayList<>();
                Thread acceptor = new Thread(() -> {
                    while (!stuck.isClosed()) {
                        try {
                            SSLSocket s = (SSLSocket) stuck.accept();
                            held.add(s);
                            s.startHandshake();
                        } catch (Exception e) {
                            // closed at the end of the test, or a handshake that failed: keep accepting
                        }
                    }
                }, "stuck-validator-1");
                acceptor.setDaemon(true);
                acceptor.start();
                c.start(2);
                PeerTransport zero = c.start(0);
                try {
                    assertThat(await(WAIT, () -> zero.stats().get(1).connected())).isTrue();
                    byte[] chunk = new byte[60 * 1024];
                    int n = 2_000; // 120 MB: far more than loopback socket buffers hold
                    long slowestSendNanos = 0;
                    for (int i = 0; i < n; i++) {
                        long t0 = System.nanoTime();
                        zero.send(1, Lane.BULK, chunk);
                        slowestSendNanos = Math.max(slowestSendNanos, System.nanoTime() - t0);
                        if (i % 8 == 7) {
                            Thread.sleep(2); // paced below loopback speed, so the socket, not the queue, fills first
                        }
                    }
                    zero.send(2, Lane.CONSENSUS, utf8("not held up"));
                    assertThat(slowestSendNanos / 1_000_000).as("slowest send to a stuck peer, ms").isLessThan(2_000);
                    assertThat(await(WAIT, () -> c.inbox(2).frames.contains(
                            new Received(0, Lane.CONSENSUS, "not held up")))).isTrue();
                    assertThat(await(WAIT, () -> zero.stats().get(1).dropped(Lane.BULK) > 0))
                            .as("the stuck peer's queue sheds instead of piling into the socket: %s", zero.stats())
                            .isTrue();
                    // The socket is full and unwritable: the queue stays full (nothing is pulled into an unbounded
                    // channel buffer), and what was sent is a small part of what was offered.
                    assertThat(await(WAIT, () -> zero.stats().get(1).queueDepth() == 16)).as("%s", zero.stats()).isTrue();
                    await(Duration.ofMillis(300), () -> false);
                    PeerStats s = zero.stats().get(1);
                    assertThat(s.queueDepth()).isEqualTo(16);
                    assertThat(s.sent(Lane.BULK)).isLessThan(n / 2);
                } finally {
                    for (Socket h : held) {
                        h.close();
                    }
                }
            }
        }
    }
}
