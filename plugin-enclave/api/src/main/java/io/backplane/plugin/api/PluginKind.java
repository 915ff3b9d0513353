package io.backplane.plugin.api;

/**
 * The three kinds of plugin. Each kind has one coarse, pure call: the node never puts a plugin on a per-message path.
 * The {@link #wireName()} is the name used in manifests, on the enclave wire and on the command line.
 */
public enum PluginKind {
    /** {@link LeaderElection}: a leader schedule for a window of rounds. */
    LEADER_ELECTION("leader-election", LeaderElection.class),
    /** {@link BlockValidator}: accept or reject a proposed block against a read-only ledger view. */
    BLOCK_VALIDATOR("block-validator", BlockValidator.class),
    /** {@link RoutingStrategy}: a fan-out plan for a topology and a message class. */
    ROUTING("routing", RoutingStrategy.class);

    private final String wireName;
    private final Class<?> contract;

    PluginKind(String wireName, Class<?> contract) {
        this.wireName = wireName;
        this.contract = contract;
    }

    public String wireName() {
        return wireName;
    }

    /** The interface a plugin of this kind implements. */
    public Class<?> contract() {
        return contract;
    }

    /** Parses a wire name; throws with the accepted names when unknown. */
    public static PluginKind fromWireName(String name) {
        for (PluginKind k : values()) {
            if (k.wireName.equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown plugin kind '" + name + "' (known: leader-election, block-validator, routing)");
    }
}
