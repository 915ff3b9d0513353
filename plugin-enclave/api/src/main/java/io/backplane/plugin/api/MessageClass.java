package io.backplane.plugin.api;

/** The classes of consensus message a {@link RoutingStrategy} plans for. */
public enum MessageClass {
    PROPOSAL, VOTE, TIMEOUT, SYNC
}
