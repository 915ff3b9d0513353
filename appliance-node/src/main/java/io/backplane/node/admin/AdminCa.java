package io.backplane.node.admin;

import io.backplane.admin.model.Role;
import io.backplane.config.NodeHome;
import io.backplane.config.OwnerOnlyFile;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A node's admin certificate authority: {@code <home>/admin/ca.pem} (the certificate the admin API trusts client
 * certificates by) and {@code <home>/admin/ca.key} (its EC P-256 key, owner-only), made on first use, and the client
 * certificates it issues: CN the principal, one OU per role, client-auth only. A home whose {@code ca.pem} is the
 * operator's own CA (no {@code ca.key} beside it) issues nothing: the operator issues with their CA. The CA key is a
 * file, not in the token: it signs only admin client certificates, never consensus or TLS, and a token object for it
 * is not built yet.
 */
public final class AdminCa {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);

    /** The certificate (leaf, then the CA) and the key of one issued client certificate. */
    public record Issued(Path certificate, Path key, X509Certificate leaf) {
    }

    private AdminCa() {
    }

    public static Path keyFile(NodeHome home) {
        return home.adminDir().resolve("ca.key");
    }

    /**
     * Issues a client certificate for {@code name} with {@code roles}, valid for {@code validity}, written to
     * {@code outDir}/NAME.crt.pem and NAME.key.pem (owner-only; neither may exist). Makes the CA first when the home has
     * none: the admin API trusts it from the node's next start.
     */
    public static Issued issue(NodeHome home, String nodeId, String name, Set<Role> roles, Duration validity, Path outDir) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a principal name is 1 to 64 of letters, digits and ._@- (got '" + name + "')");
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("a client certificate needs at least one role");
        }
        Path certOut = outDir.resolve(name + ".crt.pem");
        Path keyOut = outDir.resolve(name + ".key.pem");
        for (Path p : new Path[]{certOut, keyOut}) {
            if (Files.exists(p)) {
                throw new IllegalArgumentException(p + " exists; a certificate is written to new files only");
            }
        }
        try {
            Ca ca = ensure(home, nodeId);
            KeyPair leafKeys = ecKeyPair();
            X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name);
            for (Role r : roles) {
                subject.addRDN(BCStyle.OU, r.wireName());
            }
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.cert, new BigInteger(127, new SecureRandom()),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(validity)), subject.build(), leafKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.cert));
            X509Certificate leaf = convert(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.key)));
            Files.createDirectories(outDir);
            OwnerOnlyFile.write(keyOut, pem(leafKeys.getPrivate()));
            Files.writeString(certOut, pem(leaf) + pem(ca.cert));
            return new Issued(certOut, keyOut, leaf);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException("cannot issue a client certificate: " + e.getMessage(), e);
        }
    }

    private record Ca(X509Certificate cert, PrivateKey key) {
    }

    private static Ca ensure(NodeHome home, String nodeId) throws IOException, GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
        Path pem = AdminPlane.caFile(home);
        Path key = keyFile(home);
        if (Files.exists(pem) && !Files.exists(key)) {
            throw new IllegalStateException(pem + " is the operator's own admin CA (no " + key.getFileName() + " beside it): issue client "
                    + "certificates with that CA");
        }
        if (!Files.exists(pem)) {
            KeyPair kp = ecKeyPair();
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, nodeId + " admin CA").build();
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(127, new SecureRandom()),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(CA_VALIDITY)), name, kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            X509Certificate cert = convert(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            OwnerOnlyFile.write(key, pem(kp.getPrivate()));
            Files.writeString(pem, pem(cert));
            return new Ca(cert, kp.getPrivate());
        }
        X509Certificate cert;
        try (PEMParser p = new PEMParser(new StringReader(Files.readString(pem)))) {
            Object o = p.readObject();
            if (!(o instanceof X509CertificateHolder h)) {
                throw new IOException(pem + " does not begin with a certificate");
            }
            cert = convert(h);
        }
        PrivateKey k;
        try (PEMParser p = new PEMParser(new StringReader(Files.readString(key)))) {
            Object o = p.readObject();
            if (!(o instanceof PrivateKeyInfo info)) {
                throw new IOException(key + " is not a PKCS#8 private key");
            }
            k = new JcaPEMKeyConverter().getPrivateKey(info);
        }
        return new Ca(cert, k);
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate convert(X509CertificateHolder h) throws java.security.cert.CertificateException {
        return new JcaX509CertificateConverter().getCertificate(h);
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            if (o instanceof PrivateKey k) {
                pw.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null)); // "PRIVATE KEY" (PKCS#8), as curl and browsers read it
            } else {
                pw.writeObject(o);
            }
        }
        return w.toString();
    }
}
