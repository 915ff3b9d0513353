package io.backplane.plugin.host.lifecycle;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.backplane.plugin.api.PluginManifest;
import io.backplane.plugin.host.AuthorKeys;
import io.backplane.plugin.host.LoadReport;
import io.backplane.plugin.host.PluginVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The plugin store on disk ({@code <dir>/<id>/<version>/plugin.jar} and {@code manifest.json}, the states in
 * {@code <dir>/state.json}, replaced atomically) and its lifecycle state machine. Every step is checked against the
 * current state, recorded in the {@link AuditSink} (refusals too), and only then saved. Not thread-safe across
 * processes: one node owns its store.
 */
public final class PluginStore {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One stored plugin version and its lifecycle facts. {@code uploaderKey}/{@code approverKey} are the ids
     * ({@link Authorization#keyIdOf}) of the operator keys that signed the upload and the approval.
     */
    public record Entry(String id, String version, LifecycleState state, String uploader, String approver,
                        long activationEpoch, String replaces, List<String> kinds, String jarSha256, String uploaderKey, String approverKey) {
        public Entry {
            // Entries saved before signed steps have no digest or key ids.
            jarSha256 = jarSha256 == null ? "" : jarSha256;
            uploaderKey = uploaderKey == null ? "" : uploaderKey;
            approverKey = approverKey == null ? "" : approverKey;
        }

        Entry with(LifecycleState s) {
            return new Entry(id, version, s, uploader, approver, activationEpoch, replaces, kinds, jarSha256, uploaderKey, approverKey);
        }

        Entry with(LifecycleState s, long epoch, String replacing) {
            return new Entry(id, version, s, uploader, approver, epoch, replacing, kinds, jarSha256, uploaderKey, approverKey);
        }
    }

    private final Path dir;
    private final PluginVerifier verifier;
    private final AuthorKeys operators;
    private final AuditSink audit;
    private final List<Entry> entries;

    /**
     * @param operators the identities allowed to sign uploads and approvals (Ed25519 keys, {@code <identity>.pub})
     */
    public PluginStore(Path dir, PluginVerifier verifier, AuthorKeys operators, AuditSink audit) {
        this.dir = dir;
        this.verifier = verifier;
        this.operators = operators;
        this.audit = audit;
        Path state = dir.resolve("state.json");
        try {
            entries = Files.exists(state) ? new ArrayList<>(JSON.readValue(state.toFile(), new TypeReference<List<Entry>>() { })) : new ArrayList<>();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the plugin store state " + state, e);
        }
    }

    public synchronized List<Entry> list() {
        return entries.stream().sorted(Comparator.comparing(Entry::id).thenComparing(Entry::version)).toList();
    }

    public synchronized Optional<Entry> find(String id, String version) {
        return entries.stream().filter(e -> e.id().equals(id) && e.version().equals(version)).findFirst();
    }

    /** The active version of {@code id}, if any. */
    public synchronized Optional<Entry> active(String id) {
        return entries.stream().filter(e -> e.id().equals(id) && e.state() == LifecycleState.ACTIVE).findFirst();
    }

    public Path jar(Entry e) {
        return dir.resolve(e.id()).resolve(e.version()).resolve("plugin.jar");
    }

    public Path manifest(Entry e) {
        return dir.resolve(e.id()).resolve(e.version()).resolve("manifest.json");
    }

    /**
     * Stores a plugin after every load-time check (manifest, signature, jar digest, scan) passed: STAGED.
     *
     * @throws LifecycleException naming every reason when the plugin is refused or the version exists
     */
    public synchronized Entry upload(byte[] manifestJson, Path jar, Authorization auth) {
        String uploader = auth.identity();
        PluginManifest claimed;
        try {
            claimed = io.backplane.plugin.host.ManifestCodec.parse(manifestJson);
        } catch (io.backplane.plugin.host.ManifestCodec.ManifestException e) {
            claimed = null; // the verifier names every reason, and the refusal is recorded
        }
        if (claimed != null) {
            // The uploader's consent is checked before the jar is opened: only a registered operator's signed upload
            // costs the node a hash and a bytecode scan.
            authorized(auth, "upload", claimed.id(), claimed.version(), claimed.jarSha256(), "");
        }
        LoadReport report = verifier.verify(manifestJson, jar);
        PluginManifest m = report.manifest();
        String id = m == null ? "?" : m.id();
        String version = m == null ? "?" : m.version();
        if (!report.accepted()) {
            throw refuse(uploader, "upload", id, version, "", "refused at upload: " + report.reasons());
        }
        if (find(id, version).isPresent()) {
            throw refuse(uploader, "upload", id, version, find(id, version).get().state().name(), id + " " + version + " is already in the store");
        }
        String key = authorized(auth, "upload", id, version, m.jarSha256(), "");
        Path target = dir.resolve(id).resolve(version);
        try {
            Files.createDirectories(target);
            Files.copy(jar, target.resolve("plugin.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.write(target.resolve("manifest.json"), manifestJson);
            // The stored copy is what will run: check it again now that it cannot change under us.
            if (!PluginVerifier.sha256Hex(target.resolve("plugin.jar")).equals(m.jarSha256())) {
                throw refuse(uploader, "upload", id, version, "", "the jar changed while it was being stored");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + id + " " + version + " under " + target, e);
        }
        Entry e = new Entry(id, version, LifecycleState.STAGED, uploader, "", 0, "", m.kinds(), m.jarSha256(), key, "");
        return commit(uploader, key, "upload", null, e, "stored " + m.jarSha256());
    }

    /**
     * STAGED -> APPROVED, signed by an operator identity whose key is not the uploader's (and whose name is not
     * the uploader's either).
     */
    public synchronized Entry approve(String id, String version, Authorization auth) {
        String approver = auth.identity();
        Entry e = require(approver, "approve", id, version, LifecycleState.STAGED);
        if (e.uploader().equals(approver)) {
            throw refuse(approver, "approve", id, version, e.state().name(), "the uploader " + approver + " cannot approve their own plugin");
        }
        if (e.jarSha256().isEmpty() || e.uploaderKey().isEmpty()) {
            throw refuse(approver, "approve", id, version, e.state().name(), id + " " + version
                    + " was staged before uploads were signed: retire it and upload it again with an operator key");
        }
        String key = authorized(auth, "approve", id, version, e.jarSha256(), e.state().name());
        if (key.equals(e.uploaderKey())) {
            throw refuse(approver, key, "approve", id, version, e.state().name(), "the approval is signed with the uploader's key "
                    + key + ": another operator must approve");
        }
        return commit(approver, key, "approve", e, new Entry(id, version, LifecycleState.APPROVED, e.uploader(), approver, 0, "", e.kinds(),
                e.jarSha256(), e.uploaderKey(), key), "");
    }

    /** The key id of a valid authorisation, or a recorded refusal naming why it is not one. */
    private String authorized(Authorization auth, String action, String id, String version, String jarSha256, String from) {
        String who = auth.identity();
        java.security.PublicKey key;
        try {
            key = operators.find(who).orElse(null);
        } catch (RuntimeException ex) {
            throw refuse(who, action, id, version, from, "the key of operator " + who + " is unreadable: " + ex.getMessage());
        }
        if (key == null) {
            throw refuse(who, action, id, version, from, who + " is not a trusted operator of this node (no " + operators.dir().resolve(who + ".pub") + ")");
        }
        String keyId = Authorization.keyIdOf(key);
        if (auth.signature().length == 0) {
            throw refuse(who, keyId, action, id, version, from, action + " of " + id + " " + version + " by " + who + " is not signed");
        }
        if (!auth.verifies(key, action, id, version, jarSha256)) {
            throw refuse(who, keyId, action, id, version, from, "the signature of " + who + " does not verify over " + action + " " + id + " " + version
                    + " (jar " + jarSha256 + ") under the key registered for " + who);
        }
        return keyId;
    }

    /** APPROVED -> PENDING, to activate at {@code epoch}, which must be after {@code currentEpoch}. */
    public synchronized Entry scheduleActivation(String id, String version, long epoch, long currentEpoch, String actor) {
        Entry e = require(actor, "activate", id, version, LifecycleState.APPROVED);
        if (epoch <= currentEpoch) {
            throw refuse(actor, "activate", id, version, e.state().name(), "activation epoch " + epoch + " is not after the current epoch " + currentEpoch);
        }
        Optional<Entry> other = entries.stream().filter(x -> x.id().equals(id) && x.state() == LifecycleState.PENDING).findFirst();
        if (other.isPresent()) {
            throw refuse(actor, "activate", id, version, e.state().name(), id + " " + other.get().version() + " is already pending activation; veto it first");
        }
        return commit(actor, "activate", e, e.with(LifecycleState.PENDING, epoch, ""),
                "at epoch " + epoch);
    }

    /** PENDING -> VETOED. */
    public synchronized Entry veto(String id, String version, String actor) {
        Entry e = require(actor, "veto", id, version, LifecycleState.PENDING);
        return commit(actor, "veto", e, e.with(LifecycleState.VETOED), "");
    }

    /** Epoch {@code epoch} began: every PENDING version due by then becomes ACTIVE, replacing its active predecessor. */
    public synchronized List<Entry> onEpoch(long epoch, String actor) {
        List<Entry> activated = new ArrayList<>();
        for (Entry p : List.copyOf(entries)) {
            if (p.state() == LifecycleState.PENDING && p.activationEpoch() <= epoch) {
                Optional<Entry> old = active(p.id());
                old.ifPresent(o -> commit(actor, "supersede", o, o.with(LifecycleState.SUPERSEDED), "by " + p.version() + " at epoch " + epoch));
                activated.add(commit(actor, "activated", p, p.with(LifecycleState.ACTIVE, p.activationEpoch(), old.map(Entry::version).orElse("")), "epoch " + epoch));
            }
        }
        return activated;
    }

    /** ACTIVE -> ROLLED_BACK, and the version it replaced (SUPERSEDED) -> ACTIVE again. */
    public synchronized Entry rollback(String id, String actor) {
        Entry cur = active(id).orElseThrow(() -> refuse(actor, "rollback", id, "", "", id + " has no active version to roll back"));
        Optional<Entry> prev = find(id, cur.replaces()).filter(p -> p.state() == LifecycleState.SUPERSEDED);
        if (prev.isEmpty()) {
            throw refuse(actor, "rollback", id, cur.version(), cur.state().name(), id + " " + cur.version() + " replaced no version that can run again");
        }
        commit(actor, "rollback", cur, cur.with(LifecycleState.ROLLED_BACK), "back to " + prev.get().version());
        return commit(actor, "reinstate", prev.get(), prev.get().with(LifecycleState.ACTIVE), "after rollback of " + cur.version());
    }

    /** STAGED, APPROVED, ACTIVE or SUPERSEDED -> RETIRED. */
    public synchronized Entry retire(String id, String version, String actor) {
        Entry e = require(actor, "retire", id, version, LifecycleState.STAGED, LifecycleState.APPROVED, LifecycleState.ACTIVE, LifecycleState.SUPERSEDED);
        return commit(actor, "retire", e, e.with(LifecycleState.RETIRED), "");
    }

    private Entry require(String actor, String action, String id, String version, LifecycleState... allowed) {
        Entry e = find(id, version).orElseThrow(() -> refuse(actor, action, id, version, "", id + " " + version + " is not in the store"));
        for (LifecycleState s : allowed) {
            if (e.state() == s) {
                return e;
            }
        }
        throw refuse(actor, action, id, version, e.state().name(), "cannot " + action + " " + id + " " + version + ": it is "
                + e.state() + ", " + action + " needs " + (allowed.length == 1 ? allowed[0].name() : java.util.Arrays.toString(allowed)));
    }

    private LifecycleException refuse(String actor, String action, String id, String version, String from, String why) {
        return refuse(actor, "", action, id, version, from, why);
    }

    private LifecycleException refuse(String actor, String keyId, String action, String id, String version, String from, String why) {
        audit.append(new AuditEvent(actor, action, id, version, from, "refused", why, keyId));
        return new LifecycleException(why);
    }

    private Entry commit(String actor, String action, Entry before, Entry after, String detail) {
        return commit(actor, "", action, before, after, detail);
    }

    /** Audit first, then state: a step that cannot be recorded does not happen. */
    private Entry commit(String actor, String keyId, String action, Entry before, Entry after, String detail) {
        audit.append(new AuditEvent(actor, action, after.id(), after.version(), before == null ? "" : before.state().name(), after.state().name(),
                detail, keyId));
        if (before != null) {
            entries.remove(before);
        }
        entries.add(after);
        save();
        return after;
    }

    private void save() {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("state.json.tmp");
            JSON.writeValue(tmp.toFile(), list());
            try {
                Files.move(tmp, dir.resolve("state.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve("state.json"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the plugin store state in " + dir, e);
        }
    }
}
