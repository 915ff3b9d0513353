package io.backplane.admin.server;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;

/**
 * Software stand-ins for the node's keys in the server's own tests: an EC P-256 server key with a self-signed
 * certificate (the node's is in its token; the node test uses the token's), an admin CA and client certificates it
 * issues (CN the principal, one OU per role).
 */
final class TestPki {
    final KeyPair serverKey = ec();
    final X509Certificate serverCert = cert("CN=node0-admin", serverKey, "CN=node0-admin", serverKey.getPrivate(), false);
    final KeyPair caKey = ec();
    final X509Certificate caCert = cert("CN=node0 admin CA", caKey, "CN=node0 admin CA", caKey.getPrivate(), true);

    KeyManagerFactory serverKeys() {
        return keys(serverKey.getPrivate(), serverCert);
    }

    /** A client certificate for {@code subject} (e.g. {@code CN=alice,OU=operator}) issued by {@code issuerKey} under {@code issuer}. */
    static X509Certificate issued(String subject, KeyPair key, String issuer, PrivateKey issuerKey) {
        return cert(subject, key, issuer, issuerKey, false);
    }

    /** A TLS client context trusting the server certificate and, when given, presenting {@code clientKey}/{@code clientCert}. */
    SSLContext client(PrivateKey clientKey, X509Certificate clientCert) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", serverCert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(clientKey == null ? null : keys(clientKey, clientCert).getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyManagerFactory keys(PrivateKey key, X509Certificate cert) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("k", key, "x".toCharArray(), new X509Certificate[]{cert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "x".toCharArray());
            return kmf;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate cert(String subject, KeyPair key, String issuer, PrivateKey issuerKey, boolean ca) {
        try {
            long now = System.currentTimeMillis();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(now).add(BigInteger.valueOf(new SecureRandom().nextInt(1 << 30))),
                    new Date(now - 60_000), new Date(now + 86_400_000L), new X500Name(subject), key.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (!ca) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
            }
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
