package io.backplane.node.net;

import java.net.Socket;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.OptionalInt;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a peer certificate only when its public key is in the validator directory (and, for a dialed peer, names
 * the index that was dialed). There is no CA: certificates are self-signed and the directory is the trust anchor;
 * the TLS handshake proves the peer holds the matching private key.
 */
final class DirectoryTrustManager extends X509ExtendedTrustManager {
    private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

    private final Function<PublicKey, OptionalInt> directory;
    private final OptionalInt expected;

    /**
     * @param directory validator index by public key
     * @param expected  the index the peer must have (client side), or empty for any validator (server side)
     */
    DirectoryTrustManager(Function<PublicKey, OptionalInt> directory, OptionalInt expected) {
        this.directory = directory;
        this.expected = expected;
    }

    /** The validator index of a certificate's key, or empty when it is not in the directory. */
    static OptionalInt indexOf(Function<PublicKey, OptionalInt> directory, X509Certificate cert) {
        try {
            OptionalInt index = directory.apply(cert.getPublicKey());
            return index == null ? OptionalInt.empty() : index;
        } catch (RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("peer sent no certificate");
        }
        X509Certificate leaf = chain[0];
        leaf.checkValidity();
        OptionalInt index = indexOf(directory, leaf);
        if (index.isEmpty()) {
            throw new CertificateException("peer certificate key is not in the validator directory (subject "
                    + leaf.getSubjectX500Principal().getName() + ")");
        }
        if (expected.isPresent() && index.getAsInt() != expected.getAsInt()) {
            throw new CertificateException("dialed validator " + expected.getAsInt() + " but its certificate is"
                    + " validator " + index.getAsInt() + "'s");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return NO_ISSUERS;
    }
}
