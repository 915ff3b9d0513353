package io.backplane.admin.model;

import java.util.List;
import java.util.Map;

/**
 * The plugins the node holds, each with its lifecycle state, and the lifecycle steps the admin API takes on the
 * node's plugin store. Upload and approval are consented twice (veto and retire, which never make a plugin run, by
 * the role alone): the principal's role (checked by the server) and an Ed25519
 * signature by the principal's own operator key ({@code plugins/operators/<principal>.pub}) over the step, the plugin
 * id, version and jar SHA-256 ({@code Authorization.statement}); so a stolen token alone approves nothing, and a
 * replayed approval names a step the plugin's state no longer allows. Refusals are {@link Refused}: 404 for a plugin
 * version not in the store, 409 for anything the store refuses (its message says why); nothing changes.
 */
public interface PluginLifecycle {
    /** Every plugin: the genesis's leader election (running) and each version in the store with its state. */
    List<Map<String, Object>> plugins();

    /** Checks and stores a plugin (its manifest's exact bytes and its jar), uploaded by {@code who}: STAGED. */
    Map<String, Object> upload(Principal who, byte[] manifest, byte[] jar, byte[] signature);

    /** STAGED to APPROVED, by a principal other than the uploader, signing with a key other than the uploader's. */
    Map<String, Object> approve(Principal who, String id, String version, byte[] signature);

    /** PENDING to VETOED: an activation that is not to happen. */
    Map<String, Object> veto(Principal who, String id, String version);

    /** STAGED, APPROVED, ACTIVE or SUPERSEDED to RETIRED. */
    Map<String, Object> retire(Principal who, String id, String version);
}
