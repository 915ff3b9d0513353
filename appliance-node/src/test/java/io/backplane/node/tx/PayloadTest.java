package io.backplane.node.tx;

import static io.backplane.node.tx.TxFixtures.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.Accelerator;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.CodecException;
import io.backplane.node.consensus.crypto.AccelTestSupport;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.Test;

class PayloadTest {
    private static final Ed25519PrivateKeyParameters ALICE = key(1);
    private static final Ed25519PrivateKeyParameters BOB = key(2);

    private static List<Transaction> three() {
        return List.of(TxFixtures.transfer(ALICE, 0, BOB, 1), TxFixtures.put(ALICE, 1, "a", "b"),
                TxFixtures.transfer(BOB, 0, ALICE, 2));
    }

    @Test
    void roundTripsAndTreatsTheZeroLengthPayloadAsEmpty() {
        byte[] p = Payload.encode(three());
        assertThat(Payload.decode(p)).isEqualTo(three());
        assertThat(Payload.decode(new byte[0])).isEmpty();
        assertThat(Payload.decode(Payload.encode(List.of()))).isEmpty();
        List<byte[]> encoded = new ArrayList<>();
        three().forEach(t -> encoded.add(t.encode()));
        assertThat(Payload.ofEncoded(encoded)).isEqualTo(p);
        assertThat((long) p.length).isEqualTo(Payload.encodedSize(3, encoded.stream().mapToLong(b -> b.length).sum()));
    }

    @Test
    void refusesABadTransactionNamingItsIndexAndTrailingBytes() {
        byte[] bad = new CanonicalWriter().list(List.of(three().get(0).encode(), new byte[] {1, 2, 3}), CanonicalWriter::bytes)
                .toByteArray();
        assertThatThrownBy(() -> Payload.decode(bad)).isInstanceOf(CodecException.class).hasMessageContaining("transaction 1");
        byte[] p = Payload.encode(three());
        byte[] trailing = java.util.Arrays.copyOf(p, p.length + 1);
        assertThatThrownBy(() -> Payload.decode(trailing)).hasMessageContaining("trailing");
        byte[] lyingCount = new CanonicalWriter().u32(Payload.MAX_TXS + 1).toByteArray();
        assertThatThrownBy(() -> Payload.decode(lyingCount)).hasMessageContaining("more than the limit");
        List<byte[]> tooMany = java.util.Collections.nCopies(Payload.MAX_TXS + 1, new byte[0]);
        assertThatThrownBy(() -> Payload.ofEncoded(tooMany)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(Payload.MAX_TXS));
        assertThat(Payload.ofEncoded(tooMany.subList(0, Payload.MAX_TXS))).hasSize(4 + 4 * Payload.MAX_TXS);
    }

    @Test
    void txRootIsRfc6962OverTheEncodingsInOrder() throws Exception {
        try (Accelerator a = AccelTestSupport.cpuOnly()) {
            List<Transaction> txs = three();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[][] leaf = new byte[3][];
            for (int i = 0; i < 3; i++) {
                sha.update((byte) 0);
                leaf[i] = sha.digest(txs.get(i).encode());
            }
            sha.update((byte) 1);
            sha.update(leaf[0]);
            byte[] left = sha.digest(leaf[1]);
            sha.update((byte) 1);
            sha.update(left);
            byte[] expected = sha.digest(leaf[2]);
            assertThat(Payload.txRoot(a, txs)).isEqualTo(expected);
            assertThat(Payload.txRoot(a, List.of(txs.get(1), txs.get(0), txs.get(2)))).isNotEqualTo(expected);
            assertThat(Payload.txRoot(a, List.of())).isEqualTo(MessageDigest.getInstance("SHA-256").digest());
        }
    }
}
