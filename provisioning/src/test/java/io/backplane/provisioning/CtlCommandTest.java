package io.backplane.provisioning;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ctl} before it reaches a node: a missing, damaged or incomplete context file, an unknown node, a plain-HTTP
 * URL, a missing token file, a node that does not answer — each a clear error and exit 1 (the commands against a
 * real node's admin API are in ClusterIT).
 */
class CtlCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private Run ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    private Path context(String body) throws Exception {
        Path f = dir.resolve("context.json");
        Files.writeString(f, body);
        return f;
    }

    @Test
    void aContextThatCannotBeUsedIsNamed() throws Exception {
        Path token = dir.resolve("op.token");
        Files.writeString(token, "bpa_x\n");
        Path cert = dir.resolve("identity.pem");
        Files.writeString(cert, "not a certificate");
        record Case(String body, String node, String says) {
        }
        String ok = "{\"current\":\"node0\",\"nodes\":{\"node0\":{\"url\":\"https://127.0.0.1:1\",\"certificate\":\"" + cert + "\",\"tokenFile\":\"" + token + "\"}}}";
        for (Case c : new Case[]{
                new Case("{", null, "is not JSON"),
                new Case("{\"current\":\"node0\",\"nodes\":{}}", null, "no node 'node0' (nodes: none)"),
                new Case(ok, "node9", "no node 'node9' (nodes: node0)"),
                new Case(ok.replace("https://", "http://"), null, "must be https://"),
                new Case(ok.replace(",\"tokenFile\":\"" + token + "\"", ""), null, "has no tokenFile"),
                new Case(ok.replace(token.toString(), dir.resolve("missing.token").toString()), null, "cannot read the token file"),
                new Case(ok, null, "is not a PEM certificate")}) {
            Path f = context(c.body());
            Run r = c.node() == null ? ctl("ctl", "status", "--context", f.toString()) : ctl("ctl", "status", "--context", f.toString(), "--node", c.node());
            assertThat(r.code()).as(c.says()).isEqualTo(1);
            assertThat(r.out() + r.err()).as(c.body()).contains(c.says());
        }
        Run missing = ctl("ctl", "status", "--context", dir.resolve("nothing.json").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.out() + missing.err()).contains("no admin context at").contains("BACKPLANE_CONTEXT");
    }

    @Test
    void aNodeThatDoesNotAnswerIsNamed() throws Exception {
        // a real certificate, a port nothing listens on
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        var kp = g.generateKeyPair();
        var name = new org.bouncycastle.asn1.x500.X500Name("CN=node0");
        var cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name, java.math.BigInteger.ONE, new java.util.Date(),
                        new java.util.Date(System.currentTimeMillis() + 86_400_000L), name, kp.getPublic())
                        .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        Path pem = dir.resolve("identity.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder().encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Path token = dir.resolve("op.token");
        Files.writeString(token, "bpa_x\n");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path f = context("{\"current\":\"node0\",\"nodes\":{\"node0\":{\"url\":\"https://127.0.0.1:" + port + "\",\"certificate\":\"" + pem
                + "\",\"tokenFile\":\"" + token + "\"}}}");
        Run r = ctl("ctl", "status", "--context", f.toString(), "--json");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out() + r.err()).contains("cannot reach the admin API at https://127.0.0.1:" + port);
        assertThat(ctl("ctl", "flags", "round-robin", "maybe", "--context", f.toString()).code()).isEqualTo(2);
    }
}
