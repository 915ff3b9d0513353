package io.backplane.plugin.wire;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.BlockProposal;
import io.backplane.plugin.api.FanoutPlan;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.LeaderSchedule;
import io.backplane.plugin.api.LedgerView;
import io.backplane.plugin.api.Link;
import io.backplane.plugin.api.MessageClass;
import io.backplane.plugin.api.NodeInfo;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.RoundRecord;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.api.Transaction;
import io.backplane.plugin.api.Validator;
import io.backplane.plugin.api.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The canonical encoding of every plugin input and output, shared by the host and the enclave. Field order is the
 * record component order; maps are written sorted by key; lists keep their order. Decoding bounds every length.
 */
public final class Wire {
    /** Method name of the handshake: empty payload, answers (u16 api major, u16 api minor, list of kind names). */
    public static final String HELLO = "hello";
    /**
     * Method name of the plugin's start: the enclave loads the entry class and runs its constructor only on this
     * request, after the handshake, so the host budgets it apart from the JVM's start. Empty payload and answer.
     */
    public static final String INIT = "init";
    private static final int MAX_ITEMS = 1 << 20;
    private static final int MAX_STR = 4096;

    private Wire() {
    }

    /** The request for the block validator: the proposal and the ledger view it may consult. */
    public record ValidationRequest(BlockProposal proposal, LedgerView ledger) {
    }

    /** The enclave's answer to {@link #HELLO}. */
    public record Hello(ApiVersion api, List<PluginKind> kinds) {
    }

    public static byte[] encodeHello(Hello h) {
        return new CanonicalWriter().u16(h.api().major()).u16(h.api().minor())
                .list(h.kinds(), (w, k) -> w.string(k.wireName())).toByteArray();
    }

    public static Hello decodeHello(byte[] b) {
        return CanonicalReader.decode(b, r -> new Hello(new ApiVersion(r.u16(), r.u16()),
                r.list(8, x -> PluginKind.fromWireName(x.string(64)))));
    }

    public static byte[] encodeLeaderInput(LeaderElectionInput in) {
        CanonicalWriter w = new CanonicalWriter(256);
        w.u64(in.epoch()).u64(in.firstRound()).u32(in.windowLength());
        w.list(in.validators(), (x, v) -> x.string(v.id()).u64(v.stake()));
        w.bytes(in.seed());
        w.list(in.history(), (x, r) -> x.u64(r.round()).string(r.leader()).bool(r.committed()).list(r.voters(), CanonicalWriter::string));
        return w.toByteArray();
    }

    public static LeaderElectionInput decodeLeaderInput(byte[] b) {
        return CanonicalReader.decode(b, r -> new LeaderElectionInput(r.u64(), r.u64(), (int) r.u32(),
                r.list(MAX_ITEMS, x -> new Validator(x.string(MAX_STR), x.u64())),
                r.bytes(1024),
                r.list(MAX_ITEMS, x -> new RoundRecord(x.u64(), x.string(MAX_STR), x.bool(), x.list(MAX_ITEMS, y -> y.string(MAX_STR))))));
    }

    public static byte[] encodeSchedule(LeaderSchedule s) {
        return new CanonicalWriter().list(s.leaders(), CanonicalWriter::string).toByteArray();
    }

    public static LeaderSchedule decodeSchedule(byte[] b) {
        return CanonicalReader.decode(b, r -> new LeaderSchedule(r.list(MAX_ITEMS, x -> x.string(MAX_STR))));
    }

    public static byte[] encodeValidation(ValidationRequest v) {
        CanonicalWriter w = new CanonicalWriter(256);
        w.u64(v.proposal().height()).string(v.proposal().proposer());
        w.list(v.proposal().transactions(), (x, t) -> x.string(t.sender()).u64(t.nonce()).bytes(t.body()));
        w.list(List.copyOf(v.ledger().lastNonces().entrySet()), (x, e) -> x.string(e.getKey()).u64(e.getValue()));
        return w.toByteArray();
    }

    public static ValidationRequest decodeValidation(byte[] b) {
        return CanonicalReader.decode(b, r -> {
            BlockProposal p = new BlockProposal(r.u64(), r.string(MAX_STR),
                    r.list(MAX_ITEMS, x -> new Transaction(x.string(MAX_STR), x.u64(), x.bytes(Frames.MAX_FRAME))));
            Map<String, Long> nonces = new LinkedHashMap<>();
            for (Map.Entry<String, Long> e : r.list(MAX_ITEMS, x -> Map.entry(x.string(MAX_STR), x.u64()))) {
                if (nonces.put(e.getKey(), e.getValue()) != null) {
                    throw new io.backplane.codec.CodecException("ledger view lists sender " + e.getKey() + " twice");
                }
            }
            return new ValidationRequest(p, new LedgerView(nonces));
        });
    }

    public static byte[] encodeVerdict(Verdict v) {
        return new CanonicalWriter().bool(v.accepted()).string(v.reason()).toByteArray();
    }

    public static Verdict decodeVerdict(byte[] b) {
        return CanonicalReader.decode(b, r -> new Verdict(r.bool(), r.string(MAX_STR)));
    }

    public static byte[] encodeRouting(RoutingInput in) {
        CanonicalWriter w = new CanonicalWriter(256);
        w.list(in.nodes(), (x, n) -> x.string(n.id()).string(n.region()));
        w.list(in.latencies(), (x, l) -> x.string(l.from()).string(l.to()).u64(l.latencyMicros()));
        w.string(in.origin()).u8(in.messageClass().ordinal());
        return w.toByteArray();
    }

    public static RoutingInput decodeRouting(byte[] b) {
        return CanonicalReader.decode(b, r -> {
            List<NodeInfo> nodes = r.list(MAX_ITEMS, x -> new NodeInfo(x.string(MAX_STR), x.string(MAX_STR)));
            List<Link> links = r.list(MAX_ITEMS, x -> new Link(x.string(MAX_STR), x.string(MAX_STR), x.u64()));
            String origin = r.string(MAX_STR);
            int mc = r.u8();
            if (mc >= MessageClass.values().length) {
                throw new io.backplane.codec.CodecException("message class " + mc + " is unknown");
            }
            return new RoutingInput(nodes, links, origin, MessageClass.values()[mc]);
        });
    }

    public static byte[] encodePlan(FanoutPlan p) {
        return new CanonicalWriter().list(List.copyOf(p.forwards().entrySet()),
                (x, e) -> x.string(e.getKey()).list(e.getValue(), CanonicalWriter::string)).toByteArray();
    }

    public static FanoutPlan decodePlan(byte[] b) {
        return CanonicalReader.decode(b, r -> {
            Map<String, List<String>> m = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : r.list(MAX_ITEMS, x -> Map.entry(x.string(MAX_STR), x.list(MAX_ITEMS, y -> y.string(MAX_STR))))) {
                if (m.put(e.getKey(), e.getValue()) != null) {
                    throw new io.backplane.codec.CodecException("fan-out plan lists node " + e.getKey() + " twice");
                }
            }
            return new FanoutPlan(m);
        });
    }
}
