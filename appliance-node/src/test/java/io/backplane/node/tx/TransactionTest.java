package io.backplane.node.tx;

import static io.backplane.node.tx.TxFixtures.CHAIN;
import static io.backplane.node.tx.TxFixtures.key;
import static io.backplane.node.tx.TxFixtures.pk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.Accelerator;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.CodecException;
import io.backplane.node.consensus.crypto.AccelTestSupport;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TransactionTest {
    private static final Ed25519PrivateKeyParameters ALICE = key(1);
    private static final Ed25519PrivateKeyParameters BOB = key(2);
    private static Accelerator accel;

    @BeforeAll
    static void open() {
        accel = AccelTestSupport.cpuOnly();
    }

    @AfterAll
    static void close() {
        accel.close();
    }

    private static List<Transaction> everyOp() {
        return List.of(
                TxFixtures.transfer(ALICE, 7, BOB, 42),
                TxFixtures.put(ALICE, 0, "k", "v"),
                Transaction.sign(CHAIN, ALICE, 3, new Op.Put(new byte[Op.MAX_KEY_BYTES], new byte[Op.MAX_VALUE_BYTES])),
                Transaction.sign(CHAIN, BOB, Long.MAX_VALUE, new Op.Delete("gone".getBytes())),
                Transaction.sign("x".repeat(Transaction.MAX_CHAIN_ID_BYTES), BOB, 1, new Op.Put("e".getBytes(), new byte[0])));
    }

    @Test
    void roundTripsEveryOpThroughItsCanonicalBytes() throws Exception {
        for (Transaction tx : everyOp()) {
            byte[] bytes = tx.encode();
            Transaction back = Transaction.decode(bytes);
            assertThat(back).isEqualTo(tx);
            assertThat(back.encode()).isEqualTo(bytes);
            assertThat(back.hash()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(bytes));
            assertThat(bytes.length).isLessThanOrEqualTo(Transaction.MAX_ENCODED_BYTES);
        }
        Transaction biggest = everyOp().get(2);
        assertThat(biggest.encode().length).isLessThanOrEqualTo(Transaction.MAX_ENCODED_BYTES);
    }

    @Test
    void decodesTheLargestPossibleTransaction() {
        Transaction max = Transaction.sign("c".repeat(Transaction.MAX_CHAIN_ID_BYTES), ALICE, 0,
                new Op.Put(new byte[Op.MAX_KEY_BYTES], new byte[Op.MAX_VALUE_BYTES]));
        byte[] bytes = max.encode();
        assertThat(bytes).hasSize(Transaction.MAX_ENCODED_BYTES);
        assertThat(Transaction.decode(bytes)).isEqualTo(max);
    }

    @Test
    void equalityIsByContentAndEveryFieldCounts() {
        Transaction a = TxFixtures.transfer(ALICE, 7, BOB, 42);
        Transaction same = Transaction.decode(a.encode());
        assertThat(same).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(same.toString()).contains("nonce=7").contains("amount=42");
        assertThat(List.of(
                        TxFixtures.transfer(ALICE, 8, BOB, 42), TxFixtures.transfer(ALICE, 7, BOB, 43),
                        TxFixtures.transfer(ALICE, 7, ALICE, 42), TxFixtures.transfer(BOB, 7, BOB, 42),
                        Transaction.sign("other", ALICE, 7, a.op()),
                        new Transaction(CHAIN, a.sender(), 7, a.op(), new byte[64])))
                .allSatisfy(other -> assertThat(other).isNotEqualTo(a));
        Op.Put put = new Op.Put("k".getBytes(), "v".getBytes());
        assertThat(put).isEqualTo(new Op.Put("k".getBytes(), "v".getBytes()))
                .hasSameHashCodeAs(new Op.Put("k".getBytes(), "v".getBytes()))
                .isNotEqualTo(new Op.Put("k".getBytes(), "w".getBytes())).isNotEqualTo(new Op.Put("j".getBytes(), "v".getBytes()));
        assertThat(put.toString()).contains("6b").contains("1 bytes");
        Op.Delete del = new Op.Delete("k".getBytes());
        assertThat(del).isEqualTo(new Op.Delete("k".getBytes())).hasSameHashCodeAs(new Op.Delete("k".getBytes()))
                .isNotEqualTo(new Op.Delete("j".getBytes())).isNotEqualTo(put);
        assertThat(del.toString()).contains("6b");
        Op.Transfer t = new Op.Transfer(pk(BOB), 0);
        assertThat(t).isEqualTo(new Op.Transfer(pk(BOB), 0)).hasSameHashCodeAs(new Op.Transfer(pk(BOB), 0))
                .isNotEqualTo(new Op.Transfer(pk(ALICE), 0)).isNotEqualTo(new Op.Transfer(pk(BOB), 1));
        assertThat(t.toString()).contains("amount=0");
        assertThatThrownBy(() -> new Op.Transfer(pk(BOB), -1)).hasMessageContaining("2^63");
        assertThatThrownBy(() -> new Op.Transfer(new byte[31], 1)).hasMessageContaining("31 bytes");
    }

    @Test
    void signsADomainSeparatedMessageThatVerifiesOnlyForItsSender() {
        Transaction tx = TxFixtures.transfer(ALICE, 0, BOB, 5);
        byte[] tag = "backplane-tx-v1".getBytes(StandardCharsets.US_ASCII);
        byte[] msg = tx.signingMessage();
        assertThat(Arrays.copyOf(msg, tag.length)).isEqualTo(tag);
        byte[] enc = tx.encode();
        assertThat(Arrays.copyOfRange(msg, tag.length, msg.length))
                .isEqualTo(Arrays.copyOf(enc, enc.length - Transaction.SIGNATURE_BYTES));
        assertThat(tx.sender()).isEqualTo(pk(ALICE));

        Ed25519Item good = tx.verifyItem();
        Ed25519Item otherKey = new Ed25519Item(pk(BOB), good.message(), good.signature());
        Ed25519Item noDomain = new Ed25519Item(good.publicKey(), Arrays.copyOfRange(msg, tag.length, msg.length), good.signature());
        assertThat(accel.ed25519BatchVerify(List.of(good, otherKey, noDomain))).containsExactly(true, false, false);
    }

    @Test
    void everySingleByteMutationFailsToDecodeOrToVerify() {
        mutateAndCheck(TxFixtures.transfer(ALICE, 7, BOB, 42).encode(), allMasks());
        mutateAndCheck(TxFixtures.put(ALICE, 1, "key", "value").encode(), allMasks());
        mutateAndCheck(Transaction.sign(CHAIN, BOB, 9, new Op.Delete("d".getBytes())).encode(), new int[] {0x01, 0x80, 0xFF});
    }

    private static int[] allMasks() {
        int[] m = new int[255];
        for (int i = 0; i < 255; i++) {
            m[i] = i + 1;
        }
        return m;
    }

    private static void mutateAndCheck(byte[] original, int[] masks) {
        List<Ed25519Item> decodable = new ArrayList<>();
        int refused = 0;
        for (int pos = 0; pos < original.length; pos++) {
            for (int mask : masks) {
                byte[] m = original.clone();
                m[pos] ^= (byte) mask;
                Transaction tx;
                try {
                    tx = Transaction.decode(m);
                } catch (CodecException e) {
                    assertThat(e.getMessage()).isNotBlank();
                    refused++;
                    continue;
                }
                // Decoded: it must be a different transaction with exactly these bytes, and its signature must fail.
                assertThat(tx.encode()).isEqualTo(m);
                decodable.add(tx.verifyItem());
            }
        }
        assertThat(refused).as("mutations refused by the decoder").isPositive();
        assertThat(decodable).as("mutations that decode (so the signature is what stops them)").isNotEmpty();
        boolean[] ok = accel.ed25519BatchVerify(decodable);
        for (int i = 0; i < ok.length; i++) {
            assertThat(ok[i]).as("mutant %d verified", i).isFalse();
        }
    }

    @Test
    void refusesEveryTruncationWithAReason() {
        byte[] full = TxFixtures.put(ALICE, 1, "key", "value").encode();
        for (int len = 0; len < full.length; len++) {
            byte[] cut = Arrays.copyOf(full, len);
            assertThatThrownBy(() -> Transaction.decode(cut)).isInstanceOf(CodecException.class).hasMessageContaining("offset");
        }
        assertThatThrownBy(() -> Transaction.decode(Arrays.copyOf(full, full.length - 1)))
                .hasMessageContaining("truncated input");
        assertThatThrownBy(() -> Transaction.decode(null)).isInstanceOf(CodecException.class).hasMessageContaining("null");
    }

    @Test
    void refusesOversizeInputBeforeParsing() {
        assertThatThrownBy(() -> Transaction.decode(new byte[Transaction.MAX_ENCODED_BYTES + 1]))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("more than the limit " + Transaction.MAX_ENCODED_BYTES);
    }

    @Test
    void refusesKeysAndValuesAboveTheirCaps() {
        byte[] sk = pk(ALICE);
        byte[] longKey = raw(w -> w.u8(1).bytes(new byte[Op.MAX_KEY_BYTES + 1]).bytes(new byte[1]), sk);
        assertThatThrownBy(() -> Transaction.decode(longKey)).hasMessageContaining("more than the limit " + Op.MAX_KEY_BYTES);
        byte[] longValue = raw(w -> w.u8(1).bytes(new byte[1]).bytes(new byte[Op.MAX_VALUE_BYTES + 1]), sk);
        assertThatThrownBy(() -> Transaction.decode(longValue)).hasMessageContaining("limit");
        byte[] emptyKey = raw(w -> w.u8(2).bytes(new byte[0]), sk);
        assertThatThrownBy(() -> Transaction.decode(emptyKey)).isInstanceOf(CodecException.class).hasMessageContaining("key is 0 bytes");
        assertThatThrownBy(() -> new Op.Put(new byte[Op.MAX_KEY_BYTES + 1], new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Op.Put(new byte[1], new byte[Op.MAX_VALUE_BYTES + 1])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesUnknownVersionOpTagHugeAmountAndTrailingBytes() {
        byte[] sk = pk(ALICE);
        byte[] tag = raw(w -> w.u8(4), sk);
        assertThatThrownBy(() -> Transaction.decode(tag)).hasMessageContaining("unknown op tag 4");
        byte[] huge = raw(w -> w.u8(3).fixed(pk(BOB), 32).u64(Long.MIN_VALUE), sk);
        assertThatThrownBy(() -> Transaction.decode(huge)).isInstanceOf(CodecException.class).hasMessageContaining("2^63");
        byte[] good = TxFixtures.transfer(ALICE, 0, BOB, 1).encode();
        byte[] v2 = good.clone();
        v2[0] = 2;
        assertThatThrownBy(() -> Transaction.decode(v2)).hasMessageContaining("unknown version 2");
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> Transaction.decode(trailing)).hasMessageContaining("trailing");
        byte[] emptyChain = new CanonicalWriter().u8(1).string("").fixed(sk, 32).u64(0).u8(2).bytes(new byte[1])
                .fixed(new byte[64], 64).toByteArray();
        assertThatThrownBy(() -> Transaction.decode(emptyChain)).hasMessageContaining("empty chain id");
    }

    /** A hand-built encoding: header for {@code sender}, the op bytes written by {@code op}, a zero signature. */
    private static byte[] raw(java.util.function.Consumer<CanonicalWriter> op, byte[] sender) {
        CanonicalWriter w = new CanonicalWriter().u8(1).string(CHAIN).fixed(sender, 32).u64(0);
        op.accept(w);
        return w.fixed(new byte[64], 64).toByteArray();
    }
}
