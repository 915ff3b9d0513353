package io.backplane.admin.model;

import java.util.Set;

/**
 * Who sent a request: the name its credential carries (a token's name, a client certificate's CN), the roles it holds
 * and how it proved them ({@code token} or {@code certificate}). The audit log records the name.
 */
public record Principal(String name, Set<Role> roles, String via) {
    public Principal {
        roles = Set.copyOf(roles);
    }

    public boolean holdsAny(Set<Role> admitted) {
        return roles.stream().anyMatch(admitted::contains);
    }
}
