package io.backplane.node.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A validator set on loopback for transport tests: identities, reserved ports, a directory by public key, and one
 * recording {@link Inbound} per node. Transports are started on demand so a test can keep one down.
 */
final class TestCluster implements AutoCloseable {
    /** A frame one node received. */
    record Received(int from, Lane lane, String payload) {
    }

    /** Records what a node receives. */
    static final class Recorder implements Inbound {
        final ConcurrentLinkedQueue<Received> frames = new ConcurrentLinkedQueue<>();

        @Override
        public void received(int from, Lane lane, byte[] payload) {
            frames.add(new Received(from, lane, new String(payload, java.nio.charset.StandardCharsets.UTF_8)));
        }

        List<Received> list() {
            return new ArrayList<>(frames);
        }
    }

    final List<TestIdentity> ids = new ArrayList<>();
    final Map<Integer, InetSocketAddress> addresses = new HashMap<>();
    final Map<ByteBuffer, Integer> byKey = new HashMap<>();
    final Map<Integer, PeerTransport> running = new HashMap<>();
    final Map<Integer, Recorder> recorders = new HashMap<>();
    final int queueCapacity;

    TestCluster(int n, int queueCapacity) {
        this.queueCapacity = queueCapacity;
        for (int i = 0; i < n; i++) {
            TestIdentity id = TestIdentity.generate("validator-" + i, 1000 + i);
            ids.add(id);
            addresses.put(i, new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort()));
            byKey.put(ByteBuffer.wrap(id.keys().getPublic().getEncoded()), i);
            recorders.put(i, new Recorder());
        }
    }

    TestCluster(int n) {
        this(n, 1024);
    }

    /** Validator index by public key: the directory every node uses. */
    Function<PublicKey, OptionalInt> directory() {
        return key -> {
            Integer i = byKey.get(ByteBuffer.wrap(key.getEncoded()));
            return i == null ? OptionalInt.empty() : OptionalInt.of(i);
        };
    }

    TransportConfig config(int self) {
        return config(self, "auto");
    }

    TransportConfig config(int self, String nativeTransport) {
        return new TransportConfig(self, addresses.get(self), addresses, 1 << 16, queueCapacity,
                Duration.ofMillis(20), Duration.ofMillis(300), nativeTransport);
    }

    PeerTransport start(int self) {
        return start(config(self), ids.get(self), recorders.get(self));
    }

    PeerTransport start(TransportConfig config, TestIdentity id, Inbound inbound) {
        PeerTransport t = PeerTransport.start(config, id.keyManagers(), directory(), inbound);
        running.put(config.self(), t);
        return t;
    }

    void startAll() {
        for (int i = 0; i < ids.size(); i++) {
            start(i);
        }
    }

    PeerTransport node(int i) {
        return running.get(i);
    }

    Recorder inbox(int i) {
        return recorders.get(i);
    }

    /** Polls a condition until it holds or the timeout passes (sockets are real: there is no event to wait on). */
    static boolean await(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    /** Waits for every pair of running nodes to be connected outbound. */
    void awaitConnected() {
        boolean ok = await(Duration.ofSeconds(15), () -> running.values().stream()
                .allMatch(t -> t.stats().entrySet().stream()
                        .filter(e -> running.containsKey(e.getKey()))
                        .allMatch(e -> e.getValue().connected())));
        if (!ok) {
            throw new AssertionError("cluster did not connect: " + stats());
        }
    }

    String stats() {
        StringBuilder b = new StringBuilder();
        running.forEach((i, t) -> b.append("\n  ").append(i).append(": ").append(t.stats()));
        return b.toString();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        running.values().forEach(PeerTransport::close);
        running.clear();
    }

    /**
     * A raw TLS 1.3 context that presents validator {@code as}'s certificate and trusts any server: for tests that
     * speak to (or stand in for) a transport below its protocol.
     */
    javax.net.ssl.SSLContext rawTls(int as) throws java.security.GeneralSecurityException {
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        javax.net.ssl.TrustManager trustAll = new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
        ctx.init(ids.get(as).keyManagers().getKeyManagers(), new javax.net.ssl.TrustManager[] {trustAll}, null);
        return ctx;
    }
}
