package io.backplane.node.plugins;

import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.types.Block;
import io.backplane.plugin.api.BlockProposal;
import io.backplane.plugin.api.LedgerView;
import io.backplane.plugin.host.PluginClient;
import io.backplane.plugin.host.PluginOutcome;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consensus core's {@link ProposalValidator} answered by a {@code BlockValidator} plugin in an enclave. How a
 * block's payload becomes the plugin's {@link BlockProposal} belongs to the ledger app (part 2), so it is given, with
 * the read-only ledger view. {@code Undecided} gives {@link ProposalValidator.Verdict#UNDECIDED} (the node abstains: no vote) and counts
 * in {@link #undecided()} with an ALERT log line (cut and rate-limited by {@link PluginLog}); a payload the mapping cannot read is rejected (a built-in check).
 */
public final class PluginProposalValidator implements ProposalValidator {
    private static final Logger LOG = LoggerFactory.getLogger(PluginProposalValidator.class);

    private final PluginClient client;
    private final PluginLog log = new PluginLog(LOG, System::nanoTime);
    private final Function<Block, BlockProposal> toProposal;
    private final Supplier<LedgerView> ledger;
    private final AtomicLong undecided = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    public PluginProposalValidator(PluginClient client, Function<Block, BlockProposal> toProposal, Supplier<LedgerView> ledger) {
        this.client = client;
        this.toProposal = toProposal;
        this.ledger = ledger;
    }

    @Override
    public ProposalValidator.Verdict validate(Block block) {
        BlockProposal p;
        try {
            p = toProposal.apply(block);
        } catch (RuntimeException e) {
            rejected.incrementAndGet();
            return ProposalValidator.Verdict.REJECT;
        }
        PluginOutcome<io.backplane.plugin.api.Verdict> out = client.validate(p, ledger.get());
        if (out instanceof PluginOutcome.Undecided<io.backplane.plugin.api.Verdict> u) {
            undecided.incrementAndGet();
            log.warn("ALERT block-validator plugin {} undecided on round {} ({}: {}): abstaining",
                    client.pluginId(), block.round(), u.reason().label(), PluginLog.cut(u.detail()));
            return ProposalValidator.Verdict.UNDECIDED;
        }
        io.backplane.plugin.api.Verdict v = ((PluginOutcome.Decided<io.backplane.plugin.api.Verdict>) out).value();
        if (!v.accepted()) {
            rejected.incrementAndGet();
            log.info("block-validator plugin {} rejected round {}: {}", client.pluginId(), block.round(), PluginLog.cut(v.reason()));
            return ProposalValidator.Verdict.REJECT;
        }
        return ProposalValidator.Verdict.ACCEPT;
    }

    public long undecided() {
        return undecided.get();
    }

    public long rejected() {
        return rejected.get();
    }
}
