package io.backplane.plugin.host;

import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.wire.Frames;
import io.backplane.plugin.wire.Wire;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sandboxed child JVM running one plugin. Each call writes a request frame and reads the response on a dedicated
 * I/O thread so that the caller can give up at the deadline; any failure that leaves the channel in doubt (deadline,
 * malformed frame, end of stream) kills the whole process tree. Between calls the enclave's JVM is frozen (SIGSTOP a
 * millisecond after an answer unless the next call came first; SIGCONT before the next request), so threads a plugin
 * left behind get at most that millisecond after its answer. The child's stderr
 * goes to the log with the plugin id, bounded in bytes: a line is cut at {@value #STDERR_LINE_BYTES} bytes whether or
 * not a newline ever comes, and after {@value #STDERR_LOG_LINES} lines the rest is drained unlogged.
 */
public final class Enclave implements PluginEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(Enclave.class);
    private static final int STDERR_TAIL = 20;
    /** Lines of a child's stderr that reach the log; the rest is drained (and kept in the tail) so a chatty plugin cannot flood the node log. */
    static final int STDERR_LOG_LINES = 200;
    static final int STDERR_LINE_BYTES = 500;
    /** The most of a plugin's error text the host keeps (it reaches the node log and the outcome's detail). */
    static final int ERROR_TEXT_CHARS = 1000;
    /** How long after an answer an idle enclave is frozen. */
    static final long FREEZE_AFTER_NANOS = 1_000_000;
    /** Enclaves that answered and are not frozen yet; one daemon thread (every half millisecond) freezes them. */
    private static final java.util.Set<Enclave> IDLE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static Thread freezer;

    private final String pluginId;
    private final Process process;
    private final OutputStream toChild;
    private final InputStream fromChild;
    private final ExecutorService io;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final List<String> command;
    private final Thread stderrPump;
    private long nextId = 1;
    private volatile boolean dead;
    /** The enclave's JVM (below bwrap), the process frozen between calls; 0 until known. */
    private long jvmPid;
    private final Object freezeLock = new Object();
    private long idleSince;
    private boolean inCall;
    private boolean frozen;
    private volatile long stderrBytes;

    private Enclave(String pluginId, Process process, List<String> command) {
        this.pluginId = pluginId;
        this.process = process;
        this.command = List.copyOf(command);
        this.toChild = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        this.fromChild = new BufferedInputStream(process.getInputStream(), 1 << 16);
        this.io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "enclave-io-" + pluginId);
            t.setDaemon(true);
            return t;
        });
        this.stderrPump = new Thread(this::pumpStderr, "enclave-stderr-" + pluginId);
        stderrPump.setDaemon(true);
        stderrPump.start();
    }

    /**
     * Starts the child and waits for its handshake, which must name the host's API version and the expected kinds.
     *
     * @throws EnclaveFailure {@link UndecidedReason#CRASHED} when the child cannot start or answer the handshake
     */
    public static Enclave start(String pluginId, List<String> command, List<PluginKind> kinds, Duration startDeadline) throws EnclaveFailure {
        return start(pluginId, command, kinds, startDeadline, startDeadline);
    }

    /**
     * Starts the child with an empty environment, waits up to {@code startDeadline} for its handshake (the JVM and the
     * trusted runtime only), then gives the plugin's class loading and constructor {@code initDeadline}, then schedules its freeze.
     *
     * @throws EnclaveFailure {@link UndecidedReason#CRASHED} when the child cannot start or answer the handshake,
     *                        {@link UndecidedReason#DEADLINE_MISSED} when the constructor runs past its budget,
     *                        {@link UndecidedReason#PLUGIN_ERROR} when it throws (the enclave is closed either way)
     */
    public static Enclave start(String pluginId, List<String> command, List<PluginKind> kinds, Duration startDeadline, Duration initDeadline)
            throws EnclaveFailure {
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(new java.io.File("/"));
            // Nothing of the node's environment (a PIN) reaches the wrapper chain; the JVM is PID 1 inside (--as-pid-1),
            // so no bubblewrap process, whose /proc/PID/environ would be readable, is in the enclave's PID namespace.
            pb.environment().clear();
            p = pb.start();
        } catch (IOException e) {
            throw new EnclaveFailure(UndecidedReason.CRASHED, "cannot start the enclave of " + pluginId + ": " + e.getMessage());
        }
        Enclave e = new Enclave(pluginId, p, command);
        byte[] hello = e.exchange(Wire.HELLO, new byte[0], startDeadline);
        Wire.Hello h;
        try {
            h = Wire.decodeHello(hello);
        } catch (RuntimeException ex) {
            e.close();
            throw new EnclaveFailure(UndecidedReason.PROTOCOL_VIOLATION, "bad handshake from " + pluginId + ": " + ex.getMessage());
        }
        if (!h.api().equals(ApiVersion.CURRENT) || !h.kinds().equals(kinds)) {
            e.close();
            throw new EnclaveFailure(UndecidedReason.PROTOCOL_VIOLATION, "enclave of " + pluginId + " answered API " + h.api()
                    + " kinds " + h.kinds() + ", expected " + ApiVersion.CURRENT + " " + kinds);
        }
        e.jvmPid = e.findJvm();
        try {
            e.exchange(Wire.INIT, new byte[0], initDeadline);
        } catch (EnclaveFailure f) {
            e.close();
            String what = f.reason() == UndecidedReason.DEADLINE_MISSED ? " did not load and construct within its start-up budget of "
                    + initDeadline.toMillis() + " ms" : " failed to start: " + f.getMessage();
            throw new EnclaveFailure(f.reason(), pluginId + what);
        }
        e.scheduleFreeze();
        return e;
    }

    /** The JVM below bwrap: follow {@code /proc/PID/task/PID/children} to the leaf (the wrapper itself in the weak mode). */
    private long findJvm() {
        long pid = process.pid();
        for (int depth = 0; depth < 8; depth++) {
            String kids;
            try {
                kids = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/task/" + pid + "/children")).trim();
            } catch (IOException | RuntimeException e) {
                return process.descendants().filter(d -> d.children().findAny().isEmpty()).mapToLong(ProcessHandle::pid).max().orElse(process.pid());
            }
            if (kids.isEmpty()) {
                return pid;
            }
            pid = Long.parseLong(kids.split(" ")[0]);
        }
        return pid;
    }

    /**
     * Marks the enclave idle from now: the freezer thread stops its JVM once it has been idle
     * {@link #FREEZE_AFTER_NANOS}. Calls in a burst then pay neither the two signals nor the wake-up of every JVM
     * thread, and what a plugin leaves running gets at most about that long (plus one freezer tick) after its answer.
     */
    private void scheduleFreeze() {
        if (jvmPid == 0) {
            return;
        }
        synchronized (freezeLock) {
            idleSince = System.nanoTime();
            inCall = false;
        }
        if (IDLE.add(this)) {
            java.util.concurrent.locks.LockSupport.unpark(startFreezer());
        }
    }

    /** Called by the freezer: stop the JVM if it has been idle long enough; true once it is frozen or gone. */
    private boolean freezeIfIdle(long now) {
        synchronized (freezeLock) {
            if (dead || frozen) {
                return true;
            }
            if (inCall || now - idleSince < FREEZE_AFTER_NANOS) {
                return false;
            }
            frozen = Signals.send(jvmPid, Signals.SIGSTOP);
            return true;
        }
    }

    private boolean needsFreeze() {
        synchronized (freezeLock) {
            return !dead && !frozen;
        }
    }

    private static synchronized Thread startFreezer() {
        if (freezer != null) {
            return freezer;
        }
        freezer = new Thread(() -> {
            while (true) {
                if (IDLE.isEmpty()) {
                    java.util.concurrent.locks.LockSupport.park(); // until an enclave answers
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(FREEZE_AFTER_NANOS / 2);
                }
                long now = System.nanoTime();
                for (Enclave e : IDLE) {
                    if (e.freezeIfIdle(now)) {
                        IDLE.remove(e);
                        if (e.needsFreeze()) {
                            IDLE.add(e); // thawed, called and answered between the check and the removal
                        }
                    }
                }
            }
        }, "enclave-freezer");
        freezer.setDaemon(true);
        freezer.start();
        return freezer;
    }

    private void thaw() {
        synchronized (freezeLock) {
            inCall = true;
            if (frozen) {
                Signals.send(jvmPid, Signals.SIGCONT);
                frozen = false;
            }
        }
    }

    /** The enclave's JVM, the process frozen between calls (0 until known). */
    public long jvmPid() {
        return jvmPid;
    }

    /** Whether the JVM is frozen now (SIGSTOP sent and not yet continued). */
    public boolean frozen() {
        synchronized (freezeLock) {
            return frozen;
        }
    }

    @Override
    public synchronized byte[] call(String method, byte[] payload, Duration deadline) throws EnclaveFailure {
        thaw();
        try {
            return exchange(method, payload, deadline);
        } finally {
            if (!dead) {
                scheduleFreeze();
            }
        }
    }

    private byte[] exchange(String method, byte[] payload, Duration deadline) throws EnclaveFailure {
        if (dead) {
            throw new EnclaveFailure(UndecidedReason.CRASHED, "enclave of " + pluginId + " is dead");
        }
        long id = nextId++;
        // Write and read on the I/O thread: a child that stops reading must not block the caller past the deadline.
        Future<Frames.Response> f = io.submit(() -> {
            Frames.writeRequest(toChild, new Frames.Request(id, method, payload));
            return Frames.readResponse(fromChild);
        });
        Frames.Response resp;
        try {
            resp = f.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            kill();
            throw new EnclaveFailure(UndecidedReason.DEADLINE_MISSED, pluginId + " did not answer " + method + " within " + deadline.toMillis() + " ms");
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
            throw new EnclaveFailure(UndecidedReason.CRASHED, "interrupted while waiting for " + pluginId);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Frames.ProtocolViolation) {
                kill();
                throw new EnclaveFailure(UndecidedReason.PROTOCOL_VIOLATION, pluginId + " broke the protocol: " + c.getMessage());
            }
            String why = (c instanceof EOFException ? "exited" : "failed: " + c.getMessage()) + exitDescription();
            kill();
            throw new EnclaveFailure(UndecidedReason.CRASHED, pluginId + " " + why);
        }
        if (resp.id() != id) {
            kill();
            throw new EnclaveFailure(UndecidedReason.PROTOCOL_VIOLATION, pluginId + " answered request " + resp.id() + " to request " + id);
        }
        if (resp.status() == Frames.PLUGIN_ERROR) {
            String text = new String(resp.payload(), StandardCharsets.UTF_8);
            if (text.length() > ERROR_TEXT_CHARS) {
                text = text.substring(0, ERROR_TEXT_CHARS) + "... (" + (text.length() - ERROR_TEXT_CHARS) + " more characters cut)";
            }
            throw new EnclaveFailure(UndecidedReason.PLUGIN_ERROR, pluginId + " threw: " + text);
        }
        return resp.payload();
    }

    private String exitDescription() {
        try {
            if (process.waitFor(2, TimeUnit.SECONDS)) {
                stderrPump.join(1000); // its last words (an OutOfMemoryError, a crash) are the useful part
                return " (exit " + process.exitValue() + "; stderr: " + stderrTail() + ")";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "";
    }

    /** The last lines the child wrote on stderr, for error messages. */
    public String stderrTail() {
        synchronized (stderrTail) {
            return String.join(" | ", stderrTail);
        }
    }

    /** The process id of the child (the prlimit/bwrap wrapper). */
    public long pid() {
        return process.pid();
    }

    public List<String> command() {
        return command;
    }

    @Override
    public boolean alive() {
        return !dead && process.isAlive();
    }

    @Override
    public void close() {
        kill();
    }

    private void kill() {
        dead = true;
        // Descendants first: bwrap's child is the JVM; --die-with-parent also takes it down when bwrap dies.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        io.shutdownNow();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bytes the child has written on stderr so far (logged or not). */
    public long stderrBytes() {
        return stderrBytes;
    }

    /**
     * Reads stderr in bytes, never holding more than one cut line: the line caps apply whether or not a newline comes
     * (a plugin writing a gigabyte without one costs the host {@value #STDERR_LINE_BYTES} bytes).
     */
    private void pumpStderr() {
        try (InputStream in = process.getErrorStream()) {
            byte[] buf = new byte[8192];
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(STDERR_LINE_BYTES);
            boolean cut = false;
            int lines = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                stderrBytes += n;
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b == '\n') {
                        lines = emit(line, cut, ++lines);
                        line.reset();
                        cut = false;
                    } else if (line.size() < STDERR_LINE_BYTES) {
                        line.write(b);
                    } else {
                        cut = true;
                    }
                }
            }
            if (line.size() > 0) {
                emit(line, cut, ++lines);
            }
        } catch (IOException e) {
            LOG.debug("stderr of plugin {} closed: {}", pluginId, e.getMessage());
        }
    }

    private int emit(java.io.ByteArrayOutputStream bytes, boolean cut, int n) {
        String l = bytes.toString(StandardCharsets.UTF_8) + (cut ? "..." : "");
        if (n <= STDERR_LOG_LINES) {
            LOG.info("plugin {}: {}", pluginId, l);
        } else if (n == STDERR_LOG_LINES + 1) {
            LOG.warn("plugin {}: more than {} stderr lines, the rest is not logged", pluginId, STDERR_LOG_LINES);
        }
        synchronized (stderrTail) {
            stderrTail.addLast(l);
            if (stderrTail.size() > STDERR_TAIL) {
                stderrTail.removeFirst();
            }
        }
        return Math.min(n, STDERR_LOG_LINES + 2);
    }
}
