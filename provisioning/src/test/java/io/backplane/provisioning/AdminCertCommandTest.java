package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.Role;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code node admin-cert}: the home's admin CA made on first use, a client certificate it issues admitted by the real
 * admin server over mutual TLS with exactly its roles; a certificate of another CA admits nothing; an operator's own
 * CA (no key beside it) and existing files are refused with nothing written.
 */
class AdminCertCommandTest {
    @TempDir
    Path dir;

    @Test
    void anIssuedCertificateIsAdmittedWithItsRolesAndNoOther() throws Exception {
        Path home = dir.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.yaml"), "node:\n  id: node0\n");
        Path certs = dir.resolve("certs");
        InProcessCli.Result r = InProcessCli.run("node", "admin-cert", "--home", home.toString(), "--name", "erin", "--roles", "approver,auditor", "--out", certs.toString(), "--json");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        Path ca = home.resolve("admin/ca.pem");
        assertThat(Files.getPosixFilePermissions(home.resolve("admin/ca.key")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        assertThat(Files.getPosixFilePermissions(certs.resolve("erin.key.pem")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        X509Certificate caCert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(ca)));
        assertThat(caCert.getBasicConstraints()).as("a CA").isZero();

        AdminViews views = new AdminViews(TestAdminServer.node(Map.of("id", "node0", "height", 3)), null, null, null, TestAdminServer.audit(new ArrayList<>()), null);
        try (TestAdminServer api = new TestAdminServer(dir, views, Map.of(), List.of(caCert))) {
            SSLContext erin = client(Files.readString(certs.resolve("erin.key.pem")), Files.readString(certs.resolve("erin.crt.pem")));
            assertThat(status(erin, api.port(), "GET", "/v1/status")).as("approver and auditor read the status").isEqualTo(200);
            assertThat(status(erin, api.port(), "POST", "/v1/keys/bls")).as("no operator role").isEqualTo(403);

            // a certificate of another CA, with an operator OU, admits nothing
            KeyPair other = KeyPairGenerator.getInstance("EC").generateKeyPair();
            X509Certificate forged = TestAdminServer.selfSigned("CN=mallory,OU=operator", other);
            assertThat(status(client(other.getPrivate(), forged), api.port(), "GET", "/v1/status")).isEqualTo(401);
        }

        String caBefore = Files.readString(ca);
        // a second certificate comes from the same CA (its key read back), not a new one
        assertThat(InProcessCli.run("node", "admin-cert", "--home", home.toString(), "--name", "gus", "--roles", "auditor", "--out", certs.toString()).code()).isZero();
        assertThat(Files.readString(ca)).isEqualTo(caBefore);
        X509Certificate gus = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certs.resolve("gus.crt.pem"))));
        gus.verify(caCert.getPublicKey());
        assertThat(gus.getSubjectX500Principal().getName()).isEqualTo("OU=auditor,CN=gus");
        assertThat(gus.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(InProcessCli.run("node", "admin-cert", "--home", home.toString(), "--name", "erin", "--roles", "auditor", "--out", certs.toString()).code())
                .as("the files exist").isEqualTo(ExitCodes.FAILURE);
        assertThat(InProcessCli.run("node", "admin-cert", "--home", home.toString(), "--name", "finn", "--roles", "root", "--out", certs.toString()).code())
                .isEqualTo(ExitCodes.USAGE);
        Files.delete(home.resolve("admin/ca.key"));
        InProcessCli.Result own = InProcessCli.run("node", "admin-cert", "--home", home.toString(), "--name", "finn", "--roles", "auditor", "--out", certs.toString());
        assertThat(own.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(own.err()).contains("the operator's own admin CA");
        assertThat(Files.exists(certs.resolve("finn.crt.pem"))).isFalse();
        assertThat(Files.readString(ca)).isEqualTo(caBefore);
    }

    private static SSLContext client(String keyPem, String chainPem) throws Exception {
        PrivateKey key;
        try (PEMParser p = new PEMParser(new StringReader(keyPem))) {
            key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) p.readObject());
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(chainPem.getBytes(StandardCharsets.US_ASCII)))) {
            chain.add((X509Certificate) c);
        }
        assertThat(chain).hasSize(2);
        return client(key, chain.toArray(X509Certificate[]::new));
    }

    private static SSLContext client(PrivateKey key, X509Certificate... chain) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", key, new char[0], chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        TrustManager anyServer = new X509TrustManager() { // the test's own server: its certificate is not what this test is about
            @Override
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), new TrustManager[]{anyServer}, null);
        return ctx;
    }

    /** One HTTP/1.1 request over a raw TLS socket with the client certificate; answers the status code. */
    private static int status(SSLContext ctx, int port, String method, String path) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != '\n'; ) {
                line.append((char) c);
            }
            return Integer.parseInt(line.toString().split(" ")[1]);
        }
    }
}
