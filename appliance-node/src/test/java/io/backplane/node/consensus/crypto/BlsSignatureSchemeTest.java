package io.backplane.node.consensus.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The jblst adapter against the official Ethereum BLS vectors (../shared/vectors) and its QC/TC operations. */
class BlsSignatureSchemeTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BlsSignatureScheme bls = new BlsSignatureScheme();

    static Path vectors(String dir) {
        return Path.of(System.getProperty("backplane.vectors", "../../shared/vectors"), "bls12-381-tests", "v0.1.2", dir);
    }

    static byte[] hex(JsonNode n) {
        String s = n.asText();
        return HEX.parseHex(s.startsWith("0x") ? s.substring(2) : s);
    }

    static List<JsonNode> cases(String dir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(vectors(dir))) {
            for (Path p : files.sorted().toList()) {
                out.add(JSON.readTree(p.toFile()));
            }
        }
        return out;
    }

    @Test
    void signMatchesTheEthereumVectors() throws IOException {
        int checked = 0;
        for (JsonNode c : cases("sign")) {
            if (c.get("output").isNull()) {
                continue; // the zero secret key case: blst refuses it at key load, the spec says "no signature"
            }
            SecretSigner key = BlsSignatureScheme.keyFromScalar(hex(c.get("input").get("privkey")));
            assertThat(HEX.formatHex(key.sign(hex(c.get("input").get("message"))))).isEqualTo(HEX.formatHex(hex(c.get("output"))));
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(6);
    }

    @Test
    void fastAggregateVerifyMatchesTheEthereumVectors() throws IOException {
        int checked = 0;
        for (JsonNode c : cases("fast_aggregate_verify")) {
            List<Validator> vs = new ArrayList<>();
            for (JsonNode pk : c.get("input").get("pubkeys")) {
                vs.add(new Validator(hex(pk), 1));
            }
            boolean expected = c.get("output").asBoolean();
            QuorumCrypto q;
            try {
                q = vs.isEmpty() ? null : BlsSignatureScheme.forValidatorsWithoutPossessionCheck(new ValidatorSet(1, vs));
            } catch (IllegalArgumentException badKey) {
                assertThat(expected).as("a set with an invalid key can verify nothing").isFalse();
                checked++;
                continue;
            }
            if (q == null) {
                assertThat(expected).isFalse();
                checked++;
                continue;
            }
            BitSet all = new BitSet();
            all.set(0, vs.size());
            assertThat(q.verifyAggregate(all, hex(c.get("input").get("message")), hex(c.get("input").get("signature"))))
                    .as(c.toString()).isEqualTo(expected);
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(5);
    }

    @Test
    void aggregateVerifyMatchesTheEthereumVectors() throws IOException {
        int checked = 0;
        for (JsonNode c : cases("aggregate_verify")) {
            List<Validator> vs = new ArrayList<>();
            List<byte[]> msgs = new ArrayList<>();
            for (JsonNode pk : c.get("input").get("pubkeys")) {
                vs.add(new Validator(hex(pk), 1));
            }
            for (JsonNode m : c.get("input").get("messages")) {
                msgs.add(hex(m));
            }
            boolean expected = c.get("output").asBoolean();
            try {
                QuorumCrypto q = BlsSignatureScheme.forValidatorsWithoutPossessionCheck(new ValidatorSet(1, vs));
                int[] idx = new int[vs.size()];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = i;
                }
                assertThat(q.verifyAggregateDistinct(idx, msgs, hex(c.get("input").get("signature")))).as(c.toString()).isEqualTo(expected);
            } catch (IllegalArgumentException e) {
                assertThat(expected).isFalse();
            }
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(4);
    }

    @Test
    void quorumCertAndTimeoutCertRoundTrip() {
        List<SecretSigner> keys = new ArrayList<>();
        List<Validator> vs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] ikm = new byte[32];
            ikm[0] = (byte) i;
            keys.add(bls.keyFromSeed(ikm));
            vs.add(new Validator(keys.get(i).publicKey(), 1, keys.get(i).proofOfPossession()));
        }
        QuorumCrypto q = bls.forValidators(new ValidatorSet(1, vs));
        byte[] msg = "block".getBytes();
        List<byte[]> sigs = List.of(keys.get(0).sign(msg), keys.get(1).sign(msg), keys.get(3).sign(msg));
        assertThat(q.verify(1, msg, sigs.get(1))).isTrue();
        assertThat(q.verify(2, msg, sigs.get(1))).as("another validator's key").isFalse();
        assertThat(q.verify(1, msg, new byte[96])).as("garbage").isFalse();
        assertThat(q.verify(1, msg, new byte[3])).as("wrong length").isFalse();
        byte[] agg = q.aggregate(sigs);
        BitSet signers = new BitSet();
        signers.set(0);
        signers.set(1);
        signers.set(3);
        assertThat(q.verifyAggregate(signers, msg, agg)).isTrue();
        signers.set(2);
        assertThat(q.verifyAggregate(signers, msg, agg)).as("a bitmap claiming a non-signer").isFalse();

        List<byte[]> msgs = List.of("t/7".getBytes(), "t/8".getBytes(), "t/8".getBytes());
        byte[] tcAgg = q.aggregate(List.of(keys.get(0).sign(msgs.get(0)), keys.get(2).sign(msgs.get(1)), keys.get(3).sign(msgs.get(2))));
        assertThat(q.verifyAggregateDistinct(new int[] {0, 2, 3}, msgs, tcAgg)).isTrue();
        assertThat(q.verifyAggregateDistinct(new int[] {0, 1, 3}, msgs, tcAgg)).isFalse();
        assertThatThrownBy(() -> q.aggregate(List.of(new byte[96]))).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The rogue-key attack that proofs of possession stop (DESIGN.md §4): Mallory announces pk_m = pk_rogue - pk_a, so
     * the aggregate of {pk_a, pk_m} is a key she holds, and "both signed" verifies with her signature alone. No proof of
     * possession can be made for pk_m, so a set with it is refused; honest keys with their proofs are admitted; a proof
     * made with the signature tag instead of the POP tag, or another key's proof, is refused. (The Ethereum vectors have no
     * proof-of-possession cases; blst's hash-to-curve with other tags is covered by the hash_to_G2 vectors.)
     */
    @Test
    void aSetIsFormedOnlyWithVerifiedProofsOfPossessionWhichStopsARogueKey() {
        SecretSigner alice = bls.keyFromSeed(new byte[32]);
        byte[] ikm = new byte[32];
        ikm[0] = 7;
        SecretSigner mallory = bls.keyFromSeed(ikm);
        supranational.blst.P1 rogue = new supranational.blst.P1(mallory.publicKey());
        supranational.blst.P1 minusAlice = new supranational.blst.P1(alice.publicKey()).neg();
        byte[] roguePk = rogue.add(minusAlice).compress();
        byte[] msg = "block".getBytes();
        BitSet both = new BitSet();
        both.set(0, 2);
        // Without the check the attack works: Mallory's signature alone passes as "alice and the rogue key signed".
        QuorumCrypto unchecked = BlsSignatureScheme.forValidatorsWithoutPossessionCheck(new ValidatorSet(1,
                List.of(new Validator(alice.publicKey(), 1), new Validator(roguePk, 1))));
        assertThat(unchecked.verifyAggregate(both, msg, mallory.sign(msg))).as("the rogue-key forgery").isTrue();
        // With it, the rogue key cannot enter: Mallory can prove possession only of the keys she holds.
        assertThatThrownBy(() -> bls.forValidators(new ValidatorSet(1, List.of(new Validator(alice.publicKey(), 1, alice.proofOfPossession()),
                new Validator(roguePk, 1, mallory.proofOfPossession())))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("validator 1: proof of possession does not verify");
        assertThat(bls.forValidators(new ValidatorSet(1, List.of(new Validator(alice.publicKey(), 1, alice.proofOfPossession()),
                new Validator(mallory.publicKey(), 1, mallory.proofOfPossession()))))).isNotNull();
        byte[] sigTagProof = alice.sign(alice.publicKey());
        assertThat(new io.backplane.accel.bls.BlsCpu().verifyPossession(alice.publicKey(), sigTagProof)).as("the signature tag is not the POP tag").isFalse();
        assertThat(new io.backplane.accel.bls.BlsCpu().verifyPossession(alice.publicKey(), alice.proofOfPossession())).isTrue();
        assertThat(new io.backplane.accel.bls.BlsCpu().verifyPossession(alice.publicKey(), new byte[96])).as("garbage").isFalse();
        assertThat(new io.backplane.accel.bls.BlsCpu().verifyPossession(alice.publicKey(), new byte[5])).as("truncated").isFalse();
        assertThatThrownBy(() -> bls.forValidators(new ValidatorSet(1, List.of(new Validator(alice.publicKey(), 1)))))
                .as("no proof at all").hasMessageContaining("validator 0: proof of possession");
        // Every byte of a proof matters.
        byte[] pop = alice.proofOfPossession();
        for (int i = 0; i < pop.length; i++) {
            byte[] bad = pop.clone();
            bad[i] ^= 0x01;
            assertThat(new io.backplane.accel.bls.BlsCpu().verifyPossession(alice.publicKey(), bad)).as("byte %d flipped", i).isFalse();
        }
    }
}
