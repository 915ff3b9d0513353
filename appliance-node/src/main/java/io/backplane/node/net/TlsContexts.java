package io.backplane.node.net;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PublicKey;
import java.util.OptionalInt;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

/**
 * The TLS contexts of the transport: TLS 1.3 only, JDK provider (so a PKCS#11 key signs inside its token), the
 * node's key from the given key managers, peers trusted through the directory, client certificates required.
 */
final class TlsContexts {
    private static final String TLS13 = "TLSv1.3";

    private TlsContexts() {
    }

    /** The server side: accepts any validator in the directory. */
    static SslContext server(KeyManagerFactory keys, Function<PublicKey, OptionalInt> directory) {
        try {
            return SslContextBuilder.forServer(keys)
                    .sslProvider(SslProvider.JDK)
                    .protocols(TLS13)
                    .clientAuth(ClientAuth.REQUIRE)
                    .trustManager(new DirectoryTrustManager(directory, OptionalInt.empty()))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("transport: cannot build the TLS server context: " + e.getMessage(), e);
        }
    }

    /** The client side for dialing validator {@code peer}: its certificate must be that validator's. */
    static SslContext client(KeyManagerFactory keys, Function<PublicKey, OptionalInt> directory, int peer) {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols(TLS13)
                    .keyManager(keys)
                    .trustManager(new DirectoryTrustManager(directory, OptionalInt.of(peer)))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("transport: cannot build the TLS client context for validator " + peer
                    + ": " + e.getMessage(), e);
        }
    }
}
