package io.backplane.plugin.host.lifecycle;

/**
 * Where a plugin version stands. Legal steps: STAGED -approve-> APPROVED -schedule-> PENDING -epoch reached-> ACTIVE;
 * PENDING -veto-> VETOED; ACTIVE -superseded by a newer activation-> SUPERSEDED; ACTIVE -rollback-> ROLLED_BACK (and
 * the version it replaced goes back to ACTIVE); STAGED, APPROVED, ACTIVE or SUPERSEDED -retire-> RETIRED.
 * VETOED, ROLLED_BACK and RETIRED are final.
 */
public enum LifecycleState {
    STAGED, APPROVED, PENDING, ACTIVE, SUPERSEDED, VETOED, ROLLED_BACK, RETIRED
}
