package io.backplane.node.net;

import static io.backplane.node.net.TestCluster.await;
import static io.backplane.node.net.TestCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backplane.hsm.keystore.Keystore;
import io.backplane.hsm.pkcs11.SoftHsm;
import io.backplane.node.net.TestCluster.Received;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Validator 0's TLS key lives in a real SoftHSM2 token (hsm-keystore's {@link Keystore}, SunPKCS11 key managers): the
 * handshake signatures are made inside the token, in both directions (as server and as client). One SoftHSM config
 * per JVM (hsm-keystore README): this class owns target/softhsm-transport-&lt;pid&gt;.
 */
@Timeout(90)
class HsmTransportIT {
    private static final String TEST_PIN = "test-pin-1234";

    @Test
    void tokenResidentIdentityKeyAuthenticatesBothDirections() throws Exception {
        assumeTrue(SoftHsm.findLibrary().isPresent(), "SoftHSM2 is not installed (scripts/install-deps installs softhsm2)");
        String run = Long.toString(ProcessHandle.current().pid(), 36);
        Path dir = Path.of("target", "softhsm-transport-" + run).toAbsolutePath();
        String label = "transport-" + run;
        Keystore.initToken(dir, label, TEST_PIN.toCharArray(), dir.resolve("pin"), Clock.systemUTC());
        try (Keystore ks = Keystore.open(new Keystore.Options(dir, null, label, "node0", Clock.systemUTC(), 64),
                TEST_PIN.toCharArray());
                TestCluster c = new TestCluster(2)) {
            X509Certificate cert = ks.identityCertificate().orElseGet(ks::generateIdentity);
            // Validator 0 is known by its token key (the generated software key of slot 0 is not in the directory).
            c.byKey.remove(ByteBuffer.wrap(c.ids.get(0).keys().getPublic().getEncoded()));
            c.byKey.put(ByteBuffer.wrap(cert.getPublicKey().getEncoded()), 0);
            PeerTransport zero = PeerTransport.start(c.config(0), ks.tlsKeyManagerFactory(), c.directory(), c.inbox(0));
            c.running.put(0, zero);
            c.start(1);
            c.awaitConnected();
            zero.send(1, Lane.CONSENSUS, utf8("signed in the token"));
            c.node(1).send(0, Lane.SYNC, utf8("to the token holder"));
            assertThat(await(Duration.ofSeconds(20), () -> c.inbox(1).frames.size() == 1 && c.inbox(0).frames.size() == 1))
                    .as(c.stats()).isTrue();
            assertThat(c.inbox(1).list()).containsExactly(new Received(0, Lane.CONSENSUS, "signed in the token"));
            assertThat(c.inbox(0).list()).containsExactly(new Received(1, Lane.SYNC, "to the token holder"));
        }
    }
}
