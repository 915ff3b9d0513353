package io.backplane.node.admin;

import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.Role;
import io.backplane.admin.server.AdminServer;
import io.backplane.admin.server.TokenFile;
import io.backplane.accel.Accelerator;
import io.backplane.config.BackplaneConfig;
import io.backplane.config.NodeHome;
import io.backplane.node.runtime.Genesis;
import io.backplane.node.runtime.ValidatorNode;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

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
            io.backplane.config.OwnerOnlyFile.write(operatorTokenFile(home), token + "\n");
        }
    }

    /** A running admin plane: the server and the node's benchmark jobs, closed together. */
    public record Running(AdminServer server, BenchJobs bench) implements AutoCloseable {
        public int port() {
            return server.port();
        }

        @Override
        public void close() {
            server.close();
            bench.close();
        }
    }

    /**
     * The admin plane of a running node: its views over the node, its token and its home (flags known from the
     * configuration and the genesis; the genesis's leader election required), benchmark jobs run as {@code backplane}
     * child processes ({@code backplane} turns bench arguments into the command line), served on {@code listen}.
     */
    public static Running start(NodeHome home, Keystore keystore, InetSocketAddress listen, ValidatorNode node, Accelerator accel, BackplaneConfig config,
                                Function<List<String>, List<String>> backplane) throws IOException {
        Genesis.LeaderElectionPlugin le = node.genesis().leaderElection();
        Set<String> known = new HashSet<>(config.plugins().enabledByPlugin().keySet());
        if (le != null) {
            known.add(le.id());
        }
        // The benchmark asks the same readiness the API answers (a copy at most 0.5 s old), not the token again.
        java.util.concurrent.atomic.AtomicReference<AdminViews> views = new java.util.concurrent.atomic.AtomicReference<>();
        BenchJobs bench = new BenchJobs(home.dir(), backplane, () -> views.get().node().readiness());
        try {
            views.set(NodeAdminViews.of(node, keystore, accel, home, config.node().id(), known::contains, id -> le != null && le.id().equals(id), bench));
            AdminServer server = start(home, keystore, listen, views.get());
            return new Running(server, bench);
        } catch (IOException | RuntimeException e) {
            bench.close();
            throw e;
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
