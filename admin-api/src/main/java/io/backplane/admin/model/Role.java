package io.backplane.admin.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a principal of the admin API may do. {@code operator}: keys, flags, node control, benchmarks;
 * {@code plugin-author}: upload plugins; {@code approver}: approve and veto plugins; {@code auditor}: read only
 * (status, audit log, metrics). An operation of the API names the roles it admits.
 */
public enum Role {
    OPERATOR, PLUGIN_AUTHOR, APPROVER, AUDITOR;

    /** The name on the wire, in token files and in the OpenAPI description: {@code plugin-author}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The role of a wire name; anything else is refused with the list of roles. */
    public static Role parse(String wire) {
        for (Role r : values()) {
            if (r.wireName().equals(wire)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + wire + "' (roles: "
                + String.join(", ", Arrays.stream(values()).map(Role::wireName).toList()) + ")");
    }
}
