package io.backplane.node.sim;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Fault families a simulation run may inject (besides the f Byzantine validators, which are always present). */
public enum Fault {
    /** The network splits into two groups for a while, then heals, repeatedly. */
    PARTITIONS,
    /** Messages are lost and duplicated (delays always vary, so reordering is always on). */
    DROPS,
    /** Honest nodes crash and restart keeping only the guarded signer's durable state. */
    CRASHES,
    /** One Byzantine validator runs as two instances sharing one key (Twins). */
    TWINS;

    /** Parses "partitions,drops,crashes,twins" (any subset, any order; "none" or empty for none). */
    public static Set<Fault> parse(String list) {
        EnumSet<Fault> out = EnumSet.noneOf(Fault.class);
        if (list == null || list.isBlank() || list.trim().equalsIgnoreCase("none")) {
            return out;
        }
        for (String part : list.split(",")) {
            String p = part.trim().toUpperCase(Locale.ROOT);
            try {
                out.add(Fault.valueOf(p));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown fault '" + part.trim() + "' (known: partitions, drops, crashes, twins)");
            }
        }
        return out;
    }

    public static String format(Set<Fault> faults) {
        if (faults.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (Fault f : faults) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(f.name().toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }
}
