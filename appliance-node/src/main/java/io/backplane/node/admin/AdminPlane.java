package io.backplane.node.admin;

import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.Role;
import io.backplane.admin.server.AdminServer;
import io.backplane.admin.server.TokenFile;
import io.backplane.config.NodeHome;
import io.backplane.hsm.keystore.Keystore;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Starts a node's admin API from its home: TLS with the token's identity key, bearer tokens from
 * {@code <home>/admin/tokens} and client certificates chaining to {@code <home>/admin/ca.pem} when it exists. A home
 * without tokens gets one {@code operator} token, its clear text written once to {@code <home>/admin/operator.token}
 * (owner-only), as Teku's key manager API does with its bearer file.
 */
public final class AdminPlane {
    private AdminPlane() {
    }

    public static Path tokenFile(NodeHome home) {
        return home.adminDir().resolve("tokens");
    }

    public static Path operatorTokenFile(NodeHome home) {
        return home.adminDir().resolve("operator.token");
    }

    public static Path caFile(NodeHome home) {
        return home.adminDir().resolve("ca.pem");
    }

    /** The first operator token of a home without tokens (idempotent: an existing token file is left as it is). */
    public static void ensureOperatorToken(NodeHome home) throws IOException {
        Path tokens = tokenFile(home);
        if (TokenFile.read(tokens).entries().isEmpty()) {
            String token = TokenFile.issue(tokens, "operator", Set.of(Role.OPERATOR));
            TokenFile.writeOwnerOnly(operatorTokenFile(home), token + "\n");
        }
    }

    public static AdminServer start(NodeHome home, Keystore keystore, InetSocketAddress listen, AdminViews views) throws IOException {
        if (keystore.identityCertificate().isEmpty()) {
            throw new IOException("the admin API needs the node identity key for its TLS (`backplane keys gen-identity --home " + home.dir() + "`)");
        }
        ensureOperatorToken(home);
        return AdminServer.start(AdminServer.Settings.defaults(listen, keystore.tlsKeyManagerFactory(), adminCas(home), tokenFile(home)), views);
    }

    private static List<X509Certificate> adminCas(NodeHome home) throws IOException {
        Path pem = caFile(home);
        List<X509Certificate> out = new ArrayList<>();
        if (Files.exists(pem)) {
            try {
                for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)))) {
                    out.add((X509Certificate) c);
                }
            } catch (CertificateException e) {
                throw new IOException(pem + " is not a PEM certificate list: " + e.getMessage(), e);
            }
            if (out.isEmpty()) {
                throw new IOException(pem + " holds no certificate");
            }
        }
        return out;
    }
}
