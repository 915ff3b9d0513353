package io.backplane.provisioning;

import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.AuditView;
import io.backplane.admin.model.Check;
import io.backplane.admin.model.NodeView;
import io.backplane.admin.model.Principal;
import io.backplane.admin.model.Role;
import io.backplane.admin.server.AdminServer;
import io.backplane.admin.server.TokenFile;
import io.backplane.provisioning.cluster.AdminClient;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The real admin server for provisioning's tests: TLS on loopback with a fresh self-signed node certificate (written as
 * PEM for the client to pin), a hashed token file with one token per principal, and the views the test gives; plus a
 * client and the context file {@code ctl} and {@code apply} read.
 */
final class TestAdminServer implements AutoCloseable {
    private final Path dir;
    private final AdminServer server;
    private final Path pem;
    private final Map<String, Path> tokenFiles = new HashMap<>();

    /** {@code principals}: each principal's name and roles; a token file {@code <name>.token} is written for each. */
    TestAdminServer(Path dir, AdminViews views, Map<String, Set<Role>> principals) throws Exception {
        this(dir, views, principals, List.of());
    }

    /** The same, also admitting client certificates that chain to {@code clientCas}. */
    TestAdminServer(Path dir, AdminViews views, Map<String, Set<Role>> principals, List<X509Certificate> clientCas) throws Exception {
        this.dir = dir;
        KeyPair kp = KeyPairGenerator.getInstance("EC").generateKeyPair();
        X509Certificate cert = selfSigned("CN=node0", kp);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("identity", kp.getPrivate(), new char[0], new X509Certificate[]{cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        pem = dir.resolve("identity.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Path tokens = dir.resolve("admin/tokens");
        for (Map.Entry<String, Set<Role>> p : principals.entrySet()) {
            Path f = dir.resolve(p.getKey() + ".token");
            Files.writeString(f, TokenFile.issue(tokens, p.getKey(), p.getValue()) + "\n");
            tokenFiles.put(p.getKey(), f);
        }
        server = AdminServer.start(AdminServer.Settings.defaults(new InetSocketAddress("127.0.0.1", 0), kmf, clientCas, tokens), views);
    }

    /** A self-signed certificate for {@code dn}, valid for a day. */
    static X509Certificate selfSigned(String dn, KeyPair kp) throws Exception {
        X500Name name = new X500Name(dn);
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                new Date(), new Date(System.currentTimeMillis() + 86_400_000L), name, kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    }

    int port() {
        return server.port();
    }

    String url() {
        return "https://127.0.0.1:" + server.port();
    }

    /** A context file naming this server as node0, with {@code principal}'s token file. */
    Path context(String principal) throws Exception {
        Path f = dir.resolve("context-" + principal + ".json");
        Files.writeString(f, "{\"current\":\"node0\",\"nodes\":{\"node0\":{\"url\":\"" + url() + "\",\"certificate\":\"" + pem
                + "\",\"tokenFile\":\"" + tokenFiles.get(principal) + "\"}}}");
        return f;
    }

    /** One request as {@code principal} (null: no credentials). */
    HttpResponse<String> send(String principal, String method, String path, String json) throws Exception {
        String token = principal == null ? null : Files.readString(tokenFiles.get(principal)).trim();
        return new AdminClient(url(), pem).send(method, path, token, json);
    }

    @Override
    public void close() {
        server.close();
    }

    /** A node that answers {@code status} and is ready (its token open). */
    static NodeView node(Map<String, Object> status) {
        return new NodeView() {
            @Override
            public Map<String, Object> status() {
                return status;
            }

            @Override
            public List<Check> readiness() {
                return List.of(new Check("token", true, "open"));
            }

            @Override
            public String metrics() {
                return "";
            }

            @Override
            public Map<String, Object> accelerator() {
                return Map.of("backend", "cpu");
            }
        };
    }

    /** An audit that keeps each outcome as {@code "<principal> <action> <outcome's first word>"} in {@code sink}. */
    static AuditView audit(List<String> sink) {
        return new AuditView() {
            @Override
            public Map<String, Object> page(long from, int limit) {
                return Map.of("entries", List.of());
            }

            @Override
            public Map<String, Object> verify() {
                return Map.of("ok", true);
            }

            @Override
            public void record(Principal who, String action, String target, String outcome) {
                sink.add(who.name() + " " + action + " " + outcome.split(":")[0]);
            }
        };
    }
}
