package io.backplane.plugin.host.attest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/**
 * A software EC P-256 key in a file (PKCS#8, owner-only) under the node home: the fallback for a node without a
 * PKCS#11 token (where it has one, its identity key signs). Reports it signs are only as trustworthy as that file.
 */
public final class SoftwareEcSigner implements AttestationSigner {
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;

    private SoftwareEcSigner(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.keyId = keyIdOf(publicKey);
    }

    /** Loads {@code dir/attestation-key.p8}, creating a fresh key there (mode 600) on first use. */
    public static SoftwareEcSigner loadOrCreate(Path dir) {
        Path priv = dir.resolve("attestation-key.p8");
        try {
            KeyFactory kf = KeyFactory.getInstance("EC");
            if (Files.exists(priv)) {
                PrivateKey pk = kf.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(priv)));
                PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(Files.readAllBytes(dir.resolve("attestation-key.pub"))));
                return new SoftwareEcSigner(pk, pub);
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            Files.createDirectories(dir);
            Files.write(Files.createFile(priv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                    kp.getPrivate().getEncoded());
            Files.write(dir.resolve("attestation-key.pub"), kp.getPublic().getEncoded());
            return new SoftwareEcSigner(kp.getPrivate(), kp.getPublic());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load or create the attestation key in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("attestation key in " + dir + " is not an EC P-256 key: " + e.getMessage(), e);
        }
    }

    public static final String KIND = "software-file";

    @Override
    public String kind() {
        return KIND;
    }

    /** Hex of the first 8 bytes of SHA-256 over the key's X.509 encoding. */
    public static String keyIdOf(PublicKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String keyId() {
        return keyId;
    }

    @Override
    public PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(privateKey);
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign the attestation report: " + e.getMessage(), e);
        }
    }
}
