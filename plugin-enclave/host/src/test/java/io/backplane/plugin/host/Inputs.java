package io.backplane.plugin.host;

import io.backplane.plugin.api.BlockProposal;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.MessageClass;
import io.backplane.plugin.api.NodeInfo;
import io.backplane.plugin.api.RoundRecord;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.api.Transaction;
import io.backplane.plugin.api.Validator;
import java.util.ArrayList;
import java.util.List;

/** Deterministic inputs for the plugin suites. */
final class Inputs {
    private Inputs() {
    }

    static byte[] seed(int b) {
        byte[] s = new byte[32];
        for (int i = 0; i < 32; i++) {
            s[i] = (byte) (b * 31 + i);
        }
        return s;
    }

    /** v0..v(n-1) with stakes 1..n. */
    static List<Validator> validators(int n) {
        List<Validator> v = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            v.add(new Validator("v" + i, i + 1));
        }
        return v;
    }

    static LeaderElectionInput leader(long firstRound, int window, List<Validator> vs, byte[] seed, List<RoundRecord> history) {
        return new LeaderElectionInput(7, firstRound, window, vs, seed, history);
    }

    static RoutingInput routing(int n, String origin) {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(new NodeInfo("n" + i, i % 2 == 0 ? "eu" : "us"));
        }
        return new RoutingInput(nodes, List.of(), origin, MessageClass.PROPOSAL);
    }

    static BlockProposal block(Transaction... txs) {
        return new BlockProposal(10, "v0", List.of(txs));
    }

    static Transaction tx(String sender, long nonce, int size) {
        return new Transaction(sender, nonce, new byte[size]);
    }
}
