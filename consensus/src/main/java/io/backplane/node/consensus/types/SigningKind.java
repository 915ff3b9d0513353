package io.backplane.node.consensus.types;

/** What a consensus signature is for; the guarded signer keeps one double-sign watermark per kind. */
public enum SigningKind {
    PROPOSAL("backplane/proposal/v1"),
    VOTE("backplane/vote/v1"),
    TIMEOUT("backplane/timeout/v1");

    private final String domain;

    SigningKind(String domain) {
        this.domain = domain;
    }

    /** The domain tag written first in every signed message of this kind, so a signature of one kind is never valid as another. */
    public String domain() {
        return domain;
    }
}
