package io.backplane.plugin.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.plugin.api.BlockProposal;
import io.backplane.plugin.api.FanoutPlan;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.LedgerView;
import io.backplane.plugin.api.Link;
import io.backplane.plugin.api.MessageClass;
import io.backplane.plugin.api.NodeInfo;
import io.backplane.plugin.api.RoundRecord;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.api.Transaction;
import io.backplane.plugin.api.Validator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FramesAndWireTest {
    @Test
    void aRequestFrameHasTheDocumentedBytes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.writeRequest(out, new Frames.Request(1, "hello", new byte[] {7}));
        // length 22 | id u64 1 | string "hello" | bytes [07]
        assertThat(HexFormat.of().formatHex(out.toByteArray()))
                .isEqualTo("00000016" + "0000000000000001" + "00000005" + "68656c6c6f" + "00000001" + "07");
        assertThat(Frames.readRequest(new ByteArrayInputStream(out.toByteArray())).method()).isEqualTo("hello");
    }

    @Test
    void refusesAnOversizedLengthWithoutAllocatingIt() {
        byte[] evil = {(byte) 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2};
        assertThatThrownBy(() -> Frames.readResponse(new ByteArrayInputStream(evil)))
                .isInstanceOf(Frames.ProtocolViolation.class).hasMessageContaining("exceeds");
    }

    @Test
    void refusesGarbageAndTruncationButReportsACleanEnd() {
        byte[] garbage = "hello world, this is not a frame\n".getBytes();
        assertThatThrownBy(() -> Frames.readResponse(new ByteArrayInputStream(garbage))).isInstanceOf(Frames.ProtocolViolation.class);
        assertThatThrownBy(() -> Frames.readResponse(new ByteArrayInputStream(new byte[] {0, 0, 0, 9, 1}))).isInstanceOf(Frames.ProtocolViolation.class)
                .hasMessageContaining("ended inside a frame");
        assertThatThrownBy(() -> Frames.readResponse(new ByteArrayInputStream(new byte[0]))).isInstanceOf(EOFException.class);
    }

    @Test
    void everyInputAndOutputRoundTrips() {
        LeaderElectionInput li = new LeaderElectionInput(3, 100, 5, List.of(new Validator("a", 2), new Validator("b", 3)), new byte[32],
                List.of(new RoundRecord(99, "a", false, List.of("b"))));
        assertThat(Wire.decodeLeaderInput(Wire.encodeLeaderInput(li))).isEqualTo(li);
        Wire.ValidationRequest vr = new Wire.ValidationRequest(new BlockProposal(4, "a", List.of(new Transaction("x", 1, new byte[] {1, 2}))),
                new LedgerView(Map.of("x", 0L, "y", 5L)));
        assertThat(Wire.decodeValidation(Wire.encodeValidation(vr))).isEqualTo(vr);
        RoutingInput ri = new RoutingInput(List.of(new NodeInfo("n0", "eu"), new NodeInfo("n1", "")), List.of(new Link("n0", "n1", 500)), "n1", MessageClass.VOTE);
        assertThat(Wire.decodeRouting(Wire.encodeRouting(ri))).isEqualTo(ri);
        FanoutPlan p = new FanoutPlan(Map.of("n1", List.of("n0")));
        assertThat(Wire.decodePlan(Wire.encodePlan(p))).isEqualTo(p);
    }

    @Test
    void mapsAreEncodedInKeyOrderWhateverTheirInsertionOrder() {
        LedgerView a = new LedgerView(new java.util.LinkedHashMap<>(Map.of("b", 1L)));
        java.util.LinkedHashMap<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("z", 1L);
        m.put("a", 2L);
        BlockProposal bp = new BlockProposal(1, "p", List.of());
        assertThat(Wire.encodeValidation(new Wire.ValidationRequest(bp, new LedgerView(m))))
                .isEqualTo(Wire.encodeValidation(new Wire.ValidationRequest(bp, new LedgerView(Map.of("a", 2L, "z", 1L)))));
        assertThat(a.lastNonce("nobody")).isEqualTo(-1);
    }

    @Test
    void refusesALedgerViewThatListsASenderTwice() {
        byte[] twice = new io.backplane.codec.CanonicalWriter().u64(1).string("p").u32(0).u32(2).string("x").u64(1).string("x").u64(2).toByteArray();
        assertThatThrownBy(() -> Wire.decodeValidation(twice)).hasMessageContaining("twice");
    }
}
