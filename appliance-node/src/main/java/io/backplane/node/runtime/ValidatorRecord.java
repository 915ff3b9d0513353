package io.backplane.node.runtime;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.InetSocketAddress;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/**
 * One validator as {@code node init} prints it and {@code genesis} takes it: its id, its transport and client
 * addresses, its identity public key (EC P-256, X.509 SubjectPublicKeyInfo DER, hex: the TLS key, in the token), its
 * BLS public key (48-byte compressed G1, hex) and the proof of possession of that BLS key (hex).
 */
public record ValidatorRecord(@JsonProperty("id") String id, @JsonProperty("listen") String listen,
                              @JsonProperty("client") String client, @JsonProperty("identityPublicKey") String identityPublicKey,
                              @JsonProperty("blsPublicKey") String blsPublicKey, @JsonProperty("proofOfPossession") String proofOfPossession,
                              @JsonProperty("stake") long stake) {
    public ValidatorRecord {
        require(id, "id");
        require(listen, "listen");
        require(client, "client");
        require(identityPublicKey, "identityPublicKey");
        require(blsPublicKey, "blsPublicKey");
        require(proofOfPossession, "proofOfPossession");
        if (stake <= 0) {
            stake = 1;
        }
        address(listen, "listen");
        address(client, "client");
    }

    private static void require(String v, String field) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("validator record: field '" + field + "' is missing");
        }
    }

    public InetSocketAddress listenAddress() {
        return address(listen, "listen");
    }

    public InetSocketAddress clientAddress() {
        return address(client, "client");
    }

    public byte[] blsKey() {
        return hex(blsPublicKey, "blsPublicKey");
    }

    public byte[] pop() {
        return hex(proofOfPossession, "proofOfPossession");
    }

    /** The identity public key as a JCA key (for the transport's peer directory). */
    public PublicKey identityKey() {
        try {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(hex(identityPublicKey, "identityPublicKey")));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("validator '" + id + "': identityPublicKey is not an EC public key: " + e.getMessage());
        }
    }

    /** HOST:PORT, with the port in 1..65535. */
    public static InetSocketAddress address(String hostPort, String what) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException(what + " must be HOST:PORT, got '" + hostPort + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be HOST:PORT, got '" + hostPort + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + ": port must be 1..65535, got " + port);
        }
        return InetSocketAddress.createUnresolved(hostPort.substring(0, colon), port);
    }

    static byte[] hex(String v, String field) {
        try {
            return HexFormat.of().parseHex(v.startsWith("0x") ? v.substring(2) : v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field '" + field + "' must be hex");
        }
    }
}
