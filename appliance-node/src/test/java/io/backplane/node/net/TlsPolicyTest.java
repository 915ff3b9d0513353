package io.backplane.node.net;

import static io.backplane.node.net.TestCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The acceptor speaks TLS 1.3 only and requires a client certificate. */
@Timeout(60)
class TlsPolicyTest {
    private static final TrustManager TRUST_ALL = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    private static SSLSocket client(String protocol, KeyManager[] keys, InetSocketAddress to) throws Exception {
        SSLContext ctx = SSLContext.getInstance(protocol);
        ctx.init(keys, new TrustManager[] {TRUST_ALL}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(to.getAddress(), to.getPort());
        s.setEnabledProtocols(new String[] {protocol});
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void tls12IsRefusedEvenWithAValidatorCertificate() throws Exception {
        try (TestCluster c = new TestCluster(2)) {
            PeerTransport zero = c.start(0);
            try (SSLSocket s = client("TLSv1.2", c.ids.get(1).keyManagers().getKeyManagers(), zero.localAddress())) {
                assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class);
            }
            assertThat(zero.stats().get(1).inboundConnections()).isZero();
        }
    }

    @Test
    void clientWithoutACertificateIsRefusedAndDeliversNothing() throws Exception {
        try (TestCluster c = new TestCluster(2)) {
            PeerTransport zero = c.start(0);
            try (SSLSocket s = client("TLSv1.3", null, zero.localAddress())) {
                try {
                    s.startHandshake(); // a TLS 1.3 client may finish its side before the server refuses it
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    out.writeInt(1 + 4);
                    out.writeByte(Lane.CONSENSUS.code());
                    out.write("anon".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    out.flush();
                    assertThat(s.getInputStream().read()).isEqualTo(-1);
                } catch (IOException refused) {
                    // the server's alert: certificate required
                }
            }
            await(Duration.ofMillis(300), () -> false);
            assertThat(c.inbox(0).frames).isEmpty();
            assertThat(zero.stats().get(1).inboundConnections()).isZero();
        }
    }
}
