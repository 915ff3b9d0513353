package io.backplane.provisioning.apply;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What applying a box file to a node would do: one {@link Step} per thing the file names (and per flag the node
 * has that the file does not), each {@code create}, {@code change}, {@code keep} or {@code delete}. Made from the
 * node's state as its admin API reports it; a difference the API cannot change (another node, another chain, no
 * identity key) is a {@link BoxFile.Invalid} naming the line, before anything is applied.
 */
public record Plan(List<Step> steps) {
    /** One step: what, to which thing, why, and the line of the file it comes from. */
    public record Step(String action, String kind, String name, String detail, int line, String key) {
        public boolean isChange() {
            return !action.equals(KEEP);
        }
    }

    public static final String CREATE = "create";
    public static final String CHANGE = "change";
    public static final String KEEP = "keep";
    public static final String DELETE = "delete";

    /**
     * The node as the admin API reports it: its id and chain, its keys' types, the flags set on it, and the state of
     * each plugin version in its store ({@code "id version"} → state); what the file does not ask about is not read.
     */
    public record NodeState(String id, String chainId, List<String> keyTypes, Map<String, Boolean> flags, Map<String, String> plugins) {
        public NodeState {
            keyTypes = List.copyOf(keyTypes);
            flags = Map.copyOf(flags);
            plugins = Map.copyOf(plugins);
        }
    }

    public Plan {
        steps = List.copyOf(steps);
    }

    public List<Step> changes() {
        return steps.stream().filter(Step::isChange).toList();
    }

    public long count(String action) {
        return steps.stream().filter(s -> s.action().equals(action)).count();
    }

    /** The plan that takes {@code now} to what {@code box} says; refuses (naming file, line, key) what the API cannot do. */
    public static Plan of(BoxFile box, NodeState now) {
        List<Step> steps = new ArrayList<>();
        BoxFile.At<String> node = box.node();
        if (!node.value().equals(now.id())) {
            throw new BoxFile.Invalid(box.name() + ":" + node.line() + ": node: the admin API reached is node '" + now.id() + "', not '"
                    + node.value() + "' (check the context's entry for " + node.value() + ")");
        }
        steps.add(new Step(KEEP, "node", node.value(), "the node answering", node.line(), node.key()));
        if (box.chain() != null) {
            BoxFile.At<String> chain = box.chain();
            if (!chain.value().equals(now.chainId())) {
                throw new BoxFile.Invalid(box.name() + ":" + chain.line() + ": chain: the node is on chain '" + now.chainId() + "', not '"
                        + chain.value() + "'; a box's chain comes from its genesis and cannot be changed through the admin API");
            }
            steps.add(new Step(KEEP, "chain", chain.value(), "from the genesis", chain.line(), chain.key()));
        }
        if (box.identity() != null) {
            BoxFile.At<Boolean> id = box.identity();
            if (!now.keyTypes().contains("ec-p256")) {
                throw new BoxFile.Invalid(box.name() + ":" + id.line() + ": keys.identity: the token has no identity key; create it with "
                        + "`backplane keys init` before the node first starts (the admin API is served with it and never replaces it)");
            }
            steps.add(new Step(KEEP, "key", "identity", "ec-p256 in the token", id.line(), id.key()));
        }
        if (box.bls() != null) {
            BoxFile.At<Integer> want = box.bls();
            long have = now.keyTypes().stream().filter("bls12-381"::equals).count();
            if (have >= want.value()) {
                steps.add(new Step(KEEP, "key", "bls12-381", have + " in the token, at least " + want.value() + " wanted", want.line(), want.key()));
            }
            for (long k = have + 1; k <= want.value(); k++) {
                steps.add(new Step(CREATE, "key", "bls12-381", "key " + k + " of " + want.value() + ", generated in the token", want.line(), want.key()));
            }
        }
        if (box.flags() != null) {
            Map<String, BoxFile.At<Boolean>> want = box.flags().value();
            for (Map.Entry<String, BoxFile.At<Boolean>> e : new TreeMap<>(want).entrySet()) {
                Boolean on = now.flags().get(e.getKey());
                boolean wanted = e.getValue().value();
                String action = on == null ? CREATE : on == wanted ? KEEP : CHANGE;
                String detail = on == null ? onOff(wanted) : on == wanted ? onOff(wanted) : onOff(on) + " -> " + onOff(wanted);
                steps.add(new Step(action, "flag", e.getKey(), detail, e.getValue().line(), e.getValue().key()));
            }
            for (String id : new TreeMap<>(now.flags()).keySet()) {
                if (!want.containsKey(id)) {
                    steps.add(new Step(DELETE, "flag", id, "set on the node, not in the file: removed (the configuration decides again)",
                            box.flags().line(), box.flags().key()));
                }
            }
        }
        if (box.plugins() != null) {
            for (BoxFile.PluginWanted p : new TreeMap<>(box.plugins()).values()) {
                String name = p.id() + " " + p.version();
                String state = now.plugins().get(name);
                String where = box.name() + ":" + p.line() + ": " + p.key() + ": ";
                if (p.present()) {
                    if (state == null) {
                        steps.add(new Step(CREATE, "plugin", name, "uploaded from " + p.jar().getFileName() + ", signed with " + p.signer().getFileName(),
                                p.line(), p.key()));
                    } else if (GONE.contains(state)) {
                        throw new BoxFile.Invalid(where + name + " is " + state + " on the node and never runs again; upload a new version");
                    } else {
                        steps.add(new Step(KEEP, "plugin", name, state, p.line(), p.key()));
                    }
                } else if (RETIRABLE.contains(state)) {
                    steps.add(new Step(CHANGE, "plugin", name, state + " -> RETIRED", p.line(), p.key()));
                } else if (state == null || GONE.contains(state)) {
                    steps.add(new Step(KEEP, "plugin", name, state == null ? "not in the store" : state, p.line(), p.key()));
                } else {
                    throw new BoxFile.Invalid(where + name + " is " + state + "; it cannot be retired until an approver vetoes its activation");
                }
            }
        }
        return new Plan(steps);
    }

    private static final java.util.Set<String> RETIRABLE = java.util.Set.of("STAGED", "APPROVED", "ACTIVE", "SUPERSEDED");
    private static final java.util.Set<String> GONE = java.util.Set.of("RETIRED", "VETOED", "ROLLED_BACK");

    static String onOff(boolean on) {
        return on ? "on" : "off";
    }
}
